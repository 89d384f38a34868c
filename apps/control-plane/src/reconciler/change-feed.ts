import type pg from 'pg';
import type { DatabaseHandle } from '../db/client.js';
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

/** The leader's ear: a dedicated connection LISTENing for pod changes, reconnecting on loss. */
export class PodChangeListener {
  private client: pg.PoolClient | undefined;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private readonly log: LoopLog;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onPod: (podId: string) => void,
    logger: Logger,
  ) {
    this.log = new LoopLog(logger, 'listening for pod changes');
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.query(`UNLISTEN ${POD_CHANGED_CHANNEL}`).catch(() => {});
      client.release();
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: pg.PoolClient | undefined;
    // A connection that dies during LISTEN both emits 'error' and fails the query: act once
    // (a second release() throws, and a second retry would open a second listener).
    let gone = false;
    const lost = (err: Error) => {
      if (gone) return;
      gone = true;
      this.lost(client, err);
    };
    try {
      client = await this.pool.connect();
      client.on('notification', (msg) => {
        if (msg.channel === POD_CHANGED_CHANNEL && msg.payload) this.onPod(msg.payload);
      });
      client.on('error', lost);
      await client.query(`LISTEN ${POD_CHANGED_CHANNEL}`);
      if (gone) return;
      this.client = client;
      this.log.succeeded();
    } catch (err) {
      lost(err as Error);
    }
  }

  private lost(client: pg.PoolClient | undefined, err: Error): void {
    if (client && this.client === client) this.client = undefined;
    client?.release(err);
    if (this.stopped) return;
    this.log.failed(err);
    this.retry = setTimeout(() => void this.connect(), 2_000);
    this.retry.unref();
  }
}
