// LISTEN on a notification channel, the same way for both databases: PostgreSQL needs a
// connection of its own that is opened again when lost; PGlite is in this process and calls
// back directly. `onReady` runs at every (re)connect: notices sent while the connection was
// down are gone, so a listener that cares catches up from the tables then.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

export interface ChannelListener {
  close(): Promise<void>;
}

export interface ListenCallbacks {
  onNotice: (payload: string) => void;
  onReady?: () => void;
  /** The connection was lost (PostgreSQL only); it is opened again after a short wait. */
  onLost?: (err: Error) => void;
}

export async function listenPglite(
  client: PGlite,
  channel: string,
  cb: ListenCallbacks,
): Promise<ChannelListener> {
  const unlisten = await client.listen(channel, cb.onNotice);
  cb.onReady?.();
  return { close: () => unlisten() };
}

const RETRY_MS = 2_000;

export function listenPostgres(
  pool: pg.Pool,
  channel: string,
  cb: ListenCallbacks,
): ChannelListener {
  let client: pg.PoolClient | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const quoted = `"${channel.replaceAll('"', '""')}"`;

  const connect = async () => {
    let c: pg.PoolClient | undefined;
    // A connection that dies during LISTEN both emits 'error' and fails the query: act once
    // (a second release() throws, and a second retry would open a second listener).
    let gone = false;
    const lost = (err: Error) => {
      if (gone) return;
      gone = true;
      if (client === c) client = undefined;
      c?.release(err);
      if (closed) return;
      cb.onLost?.(err);
      retry = setTimeout(() => void connect(), RETRY_MS);
      retry.unref();
    };
    try {
      c = await pool.connect();
      c.on('notification', (msg) => {
        if (msg.channel === channel && msg.payload) cb.onNotice(msg.payload);
      });
      c.on('error', lost);
      await c.query(`LISTEN ${quoted}`);
      if (gone) return;
      if (closed) {
        c.release();
        return;
      }
      client = c;
      cb.onReady?.();
    } catch (err) {
      lost(err as Error);
    }
  };
  void connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) {
        await c.query(`UNLISTEN ${quoted}`).catch(() => undefined);
        c.release();
      }
    },
  };
}
