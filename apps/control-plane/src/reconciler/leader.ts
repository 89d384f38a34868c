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

/**
 * A PostgreSQL session advisory lock held on a dedicated connection: the lock lives exactly as
 * long as that connection, so a crashed leader's lock is released by the server at once.
 */
export class AdvisoryLockLeadership implements Leadership {
  private client: pg.PoolClient | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onLost: (err: Error) => void,
  ) {}

  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS locked',
        [RECONCILER_LOCK_KEY],
      );
      if (!rows[0]?.locked) {
        client.release();
        return false;
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.release(err);
      this.onLost(err);
    });
    this.client = client;
    return true;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.query('SELECT pg_advisory_unlock($1)', [RECONCILER_LOCK_KEY]);
      client.release();
    } catch (err) {
      client.release(err as Error);
    }
  }
}
