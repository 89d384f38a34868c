import type { DatabaseHandle } from '../db/client.js';
import type { ChannelListener } from '../db/listen.js';
import { type Logger, LoopLog } from '../logger.js';

/**
 * With PostgreSQL, several control planes may serve the API while one reconciles. An API write
 * on any of them reaches the leader at once through LISTEN/NOTIFY; the 30 s resync remains the
 * safety net if a notification is lost (NOTIFY is not durable).
 */
export const POD_CHANGED_CHANNEL = 'agentpod_pod_changed';

export async function publishPodChange(handle: DatabaseHandle, podId: string): Promise<void> {
  if (handle.kind !== 'postgres' || !handle.pool) return;
  await handle.pool.query('SELECT pg_notify($1, $2)', [POD_CHANGED_CHANNEL, podId]);
}

/** The leader's ear: LISTENing for pod changes (db/listen.ts reconnects when it is lost). */
export class PodChangeListener {
  private listener: ChannelListener | undefined;
  private stopped = true;
  private readonly log: LoopLog;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly onPod: (podId: string) => void,
    logger: Logger,
  ) {
    this.log = new LoopLog(logger, 'listening for pod changes');
  }

  start(): void {
    this.stopped = false;
    this.handle
      .listen(POD_CHANGED_CHANNEL, {
        onNotice: (podId) => this.onPod(podId),
        onReady: () => this.log.succeeded(),
        onLost: (err) => this.log.failed(err),
      })
      .then(
        async (listener) => {
          if (this.stopped) await listener.close();
          else this.listener = listener;
        },
        (err: unknown) => this.log.failed(err),
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.listener?.close();
    this.listener = undefined;
  }
}
