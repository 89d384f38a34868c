import type pg from 'pg';

/** Only the holder of leadership reconciles: two reconcilers would fight over the same pods. */
export interface Leadership {
  /** True when this process now leads (or already did). */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** PGlite is in-process: the one process that opened it is the only possible leader. */
export class SoleLeadership implements Leadership {
  async tryAcquire(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
}

const RECONCILER_LOCK_KEY = 7_316_240_002;

export interface KeepaliveOptions {
  /** How often the lock connection proves that it still holds the lock. */
  intervalMs: number;
  /** A proof that takes longer than this counts as a lost lock. */
  timeoutMs: number;
}

/**
 * A PostgreSQL session advisory lock held on a dedicated connection: the lock lives exactly as
 * long as that connection, so a crashed leader's lock is released by the server at once.
 *
 * A connection that goes silent (a network cut, a frozen server) raises no error: the client
 * would lead on while the server may already have released the lock to a standby. So every
 * `intervalMs` the connection asks the server whether it still holds the lock; an error, a
 * "no" or no answer within `timeoutMs` is a lost leadership. A cut-off leader therefore stops
 * within intervalMs + timeoutMs, and a standby can only get the lock once the server itself has
 * dropped the connection (which, for a connection that is only silent, takes the server's TCP
 * keepalive): there is never a moment with two leaders that both know they lead.
 */
export class AdvisoryLockLeadership implements Leadership {
  private client: pg.PoolClient | undefined;
  private keepalive: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onLost: (err: Error) => void,
    private readonly opts: KeepaliveOptions = { intervalMs: 2_000, timeoutMs: 2_000 },
  ) {}

  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        this.lockQuery('SELECT pg_try_advisory_lock($1) AS locked'),
      );
      if (!rows[0]?.locked) {
        client.release();
        return false;
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    client.on('error', (err) => this.lose(client, err));
    this.client = client;
    this.keepalive = setInterval(() => void this.check(client), this.opts.intervalMs);
    this.keepalive.unref();
    return true;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    clearInterval(this.keepalive);
    if (!client) return;
    try {
      await client.query(this.lockQuery('SELECT pg_advisory_unlock($1)'));
      client.release();
    } catch (err) {
      client.release(err as Error);
    }
  }

  private async check(client: pg.PoolClient): Promise<void> {
    try {
      // A bigint key is stored as classid (high 32 bits) and objid (low 32 bits).
      const { rows } = await client.query<{ held: boolean }>(
        this.lockQuery(`SELECT EXISTS (
          SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
            AND ((classid::bigint << 32) | objid::bigint) = $1
        ) AS held`),
      );
      if (!rows[0]?.held) throw new Error('the server no longer holds the leadership lock');
    } catch (err) {
      this.lose(client, err as Error);
    }
  }

  /** A query on the lock key that gives up after timeoutMs (no answer is an answer too). */
  private lockQuery(text: string): pg.QueryConfig {
    // node-postgres honours a per-query query_timeout; its type definitions do not list it.
    const config = { text, values: [RECONCILER_LOCK_KEY], query_timeout: this.opts.timeoutMs };
    return config as pg.QueryConfig;
  }

  private lose(client: pg.PoolClient, err: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.keepalive);
    // Destroyed, never reused: a connection that timed out may still answer the old query.
    client.release(err);
    this.onLost(err);
  }
}
