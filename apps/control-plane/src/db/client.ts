import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { StartupError } from '../errors.js';
import {
  type ChannelListener,
  type ListenCallbacks,
  listenPglite,
  listenPostgres,
} from './listen.js';
import * as schema from './schema.js';

/** The one database type the queries use: PostgreSQL or PGlite behind the same Drizzle API. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Runs raw SQL and returns its rows (both drivers answer with `{ rows }`). */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** A human description without credentials, for logs and errors. */
  description: string;
  /** The pg pool when kind is postgres (advisory locks need a dedicated connection from it). */
  pool?: pg.Pool;
  /** LISTEN on a channel (db/listen.ts), whichever the database. */
  listen(channel: string, cb: ListenCallbacks): Promise<ChannelListener>;
  close(): Promise<void>;
}

export type DatabaseTarget = { url: string } | { pgliteDir: string } | { memory: true };

export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if ('url' in target) return openPostgres(target.url);
  if ('pgliteDir' in target) return openPglite(target.pgliteDir);
  return openPglite(undefined);
}

/** `postgres://user@host:5432/db`, never the password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const description = describePostgresUrl(url);
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new StartupError(
      'config_invalid',
      `DATABASE_URL must start with postgres:// or postgresql:// (got ${description}); unset it to use the embedded PGlite database`,
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    const reason = err instanceof Error ? err.message : String(err);
    throw new StartupError(
      'database_unavailable',
      `cannot connect to PostgreSQL at ${description}: ${reason}; check DATABASE_URL and that the server is running`,
      { cause: err },
    );
  }
  return {
    db: drizzlePg(pool, { schema }) as unknown as Database,
    kind: 'postgres',
    description,
    pool,
    listen: async (channel, cb) => listenPostgres(pool, channel, cb),
    close: () => pool.end(),
  };
}

async function openPglite(dir: string | undefined): Promise<DatabaseHandle> {
  if (dir !== undefined) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new StartupError(
        'data_dir_unwritable',
        `cannot create the database folder ${dir}: ${(err as Error).message}; set AGENTPOD_DATA_DIR to a writable folder`,
        { cause: err },
      );
    }
  }
  let client: PGlite;
  try {
    // PGlite's default 128 MB of shared buffers is most of an idle control plane's memory;
    // AgentPod's tables are small, and 16 MB keeps them cached.
    client = new PGlite(dir, { postgresqlconf: ['shared_buffers = 16MB'] });
    await client.waitReady;
  } catch (err) {
    throw new StartupError(
      'database_unavailable',
      `cannot open the embedded database in ${dir ?? 'memory'}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return {
    db: drizzlePglite(client, { schema }) as unknown as Database,
    kind: 'pglite',
    description: dir ? `PGlite in ${dir}` : 'PGlite in memory',
    listen: (channel, cb) => listenPglite(client, channel, cb),
    close: () => client.close(),
  };
}

export function pgliteDirFor(dataDir: string): string {
  return join(dataDir, 'pglite');
}
