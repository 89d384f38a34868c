// The one listener of a control plane for the database's change notices (the triggers of
// migration 0004): every watch connection of this process subscribes here, so a thousand
// dashboards cost one LISTEN.
import type { DatabaseHandle } from '../db/client.js';
import type { ChannelListener } from '../db/listen.js';
import type { Logger } from '../logger.js';

export const WATCH_CHANNEL = 'agentpod_watch';

export type WatchNotice =
  | { kind: 'pod'; podId: string }
  /** Only the pod's usage changed (a stats pass): its status.usage is all there is to fetch. */
  | { kind: 'usage'; podId: string }
  | { kind: 'event'; podId: string; eventId: string }
  /** Notices may have been missed (the listening connection was lost): look again. */
  | { kind: 'reset' }
  /** The listening connection is lost: until `reset`, nothing is being heard. */
  | { kind: 'lost' };

/** `pod:<id>`, `usage:<id>` and `event:<pod id>:<event id>`, as the triggers write them. */
export function parseNotice(payload: string): WatchNotice | null {
  const [kind, podId, eventId] = payload.split(':');
  if ((kind === 'pod' || kind === 'usage') && podId) return { kind, podId };
  if (kind === 'event' && podId && eventId) return { kind, podId, eventId };
  return null;
}

export class WatchFeed {
  private readonly subscribers = new Set<(notice: WatchNotice) => void>();
  private listener: ChannelListener | undefined;
  private everReady = false;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.listener = await this.handle.listen(WATCH_CHANNEL, {
      onNotice: (payload) => {
        const notice = parseNotice(payload);
        if (notice) this.publish(notice);
      },
      onReady: () => {
        // A reconnect, not the first connect: what was sent meanwhile is lost.
        if (this.everReady) this.publish({ kind: 'reset' });
        this.everReady = true;
      },
      onLost: (err) => {
        this.logger.warn({ err: err.message }, 'watch feed lost its database connection');
        this.publish({ kind: 'lost' });
      },
    });
  }

  async stop(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  subscribe(fn: (notice: WatchNotice) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private publish(notice: WatchNotice): void {
    for (const fn of this.subscribers) fn(notice);
  }
}
