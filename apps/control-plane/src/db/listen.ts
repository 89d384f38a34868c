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
  // The connection in use, with the one way to give it back to the pool.
  let current: { client: pg.PoolClient; release: (err?: Error) => boolean } | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const quoted = `"${channel.replaceAll('"', '""')}"`;

  const connect = async () => {
    let c: pg.PoolClient | undefined;
    // A connection is given back exactly once, whoever comes first: an 'error' event, the
    // failed LISTEN of that same error, or close(). A second release() throws, and a second
    // retry would open a second listener. After its release the connection belongs to the
    // pool, so our listeners come off it.
    let released = false;
    const onNotification = (msg: pg.Notification) => {
      if (msg.channel === channel && msg.payload) cb.onNotice(msg.payload);
    };
    const release = (err?: Error): boolean => {
      if (released) return false;
      released = true;
      if (current?.client === c) current = undefined;
      if (c) {
        c.removeListener('notification', onNotification);
        c.removeListener('error', lost);
        c.release(err);
      }
      return true;
    };
    const lost = (err: Error) => {
      if (!release(err) || closed) return;
      cb.onLost?.(err);
      retry = setTimeout(() => void connect(), RETRY_MS);
      retry.unref();
    };
    try {
      c = await pool.connect();
      c.on('notification', onNotification);
      c.on('error', lost);
      await c.query(`LISTEN ${quoted}`);
      if (released) return;
      if (closed) {
        release();
        return;
      }
      current = { client: c, release };
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
      const h = current;
      if (h) {
        await h.client.query(`UNLISTEN ${quoted}`).catch(() => undefined);
        h.release();
      }
    },
  };
}
