// The PostgreSQL listener on a real server: it survives its connection being killed, and a
// connection it has given back is never given back twice (pg-pool throws on that, from inside
// the socket's error handler, where nothing can catch it).
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChannelListener, listenPostgres } from './listen.js';
import { createScratchDatabase } from './testing.js';

const CHANNEL = 'agentpod_listen_test';

describe('listenPostgres', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let admin: pg.Client;
  const idleErrors: Error[] = [];

  beforeEach(async () => {
    scratch = await createScratchDatabase();
    pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
    pool.on('error', (err) => idleErrors.push(err));
    admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    idleErrors.length = 0;
  });

  afterEach(async () => {
    await admin.end();
    await pool.end();
    await scratch.drop();
  });

  /** The server process of the connection LISTENing on the test channel. */
  async function listenerPid(): Promise<number> {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND query = $1 AND pid <> pg_backend_pid()`,
      [`LISTEN "${CHANNEL}"`],
    );
    const [row] = rows;
    if (rows.length !== 1 || !row) throw new Error(`${rows.length} listeners, expected one`);
    return row.pid;
  }

  function started(onNotice: (p: string) => void = () => {}) {
    const events: string[] = [];
    let ready!: () => void;
    let readyAgain = new Promise<void>((r) => {
      ready = r;
    });
    const listener: ChannelListener = listenPostgres(pool, CHANNEL, {
      onNotice,
      onReady: () => {
        events.push('ready');
        ready();
      },
      onLost: () => {
        events.push('lost');
        readyAgain = new Promise<void>((r) => {
          ready = r;
        });
      },
    });
    return { listener, events, nextReady: () => readyAgain };
  }

  it('listens again after its connection is killed, and hears what is sent then', async () => {
    const heard: string[] = [];
    const l = started((p) => heard.push(p));
    await l.nextReady();
    const pid = await listenerPid();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect.poll(() => l.events, { timeout: 15_000 }).toEqual(['ready', 'lost', 'ready']);
    expect(await listenerPid()).not.toBe(pid);
    await admin.query(`SELECT pg_notify($1, 'after')`, [CHANNEL]);
    await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['after']);
    await l.listener.close();
  });

  it('after close, the death of the connection it gave back is the pool’s alone', async () => {
    const l = started();
    await l.nextReady();
    const pid = await listenerPid();
    await l.listener.close();
    // The connection is idle in the pool now. Killing it makes the pool report an idle
    // client error; the listener must neither release it again nor reconnect.
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect.poll(() => idleErrors.length, { timeout: 5_000 }).toBe(1);
    expect(l.events).toEqual(['ready']);
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
