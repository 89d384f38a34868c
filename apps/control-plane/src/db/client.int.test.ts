// The control plane's PostgreSQL pool on a real server: a connection the server ends while the
// control plane holds it between two queries (here inside a transaction) fails that work, not
// the process. node-postgres emits 'error' on such a client, and an 'error' nobody listens to
// is an uncaught exception (vitest fails the run on one).
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase, queryRows } from './client.js';
import { createScratchDatabase } from './testing.js';

describe('the PostgreSQL pool', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let handle: DatabaseHandle;
  let admin: pg.Client;

  beforeEach(async () => {
    scratch = await createScratchDatabase();
    handle = await openDatabase({ url: scratch.url });
    admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
  });

  afterEach(async () => {
    await admin.end();
    await handle.close();
    await scratch.drop();
  });

  it('fails the transaction, not the process, when the server ends its connection mid-way', async () => {
    const work = handle.db.transaction(async (tx) => {
      const [row] = await queryRows<{ pid: number }>(tx, sql`SELECT pg_backend_pid() AS pid`);
      await admin.query('SELECT pg_terminate_backend($1)', [row?.pid]);
      // Wait for state: the server process is gone, and its goodbye has reached this one.
      while (
        (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [row?.pid])).rowCount
      )
        await sleep(20);
      await new Promise((resolve) => setImmediate(resolve));
      await tx.execute(sql`SELECT 1`);
    });
    await expect(work).rejects.toThrow();
    // The pool goes on with a new connection.
    expect(await queryRows<{ one: number }>(handle.db, sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });
});
