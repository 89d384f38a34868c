import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
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
  /** When this open created the embedded database: how long that took, and its process's peak. */
  created?: PgliteCreation;
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
  // Nor one that is checked out between two queries (inside a transaction, or the leader's and
  // the listeners' own): node-postgres emits 'error' on it when the server ends the connection,
  // and an 'error' nobody listens to ends the process. Its next query fails and says why.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
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

/**
 * PGlite's default 128 MB of shared buffers would be most of an idle control plane's memory;
 * AgentPod's tables are small, and 16 MB keeps them cached.
 */
const PGLITE_OPTIONS = { postgresqlconf: ['shared_buffers = 16MB'] };

/**
 * PGlite is PostgreSQL compiled to WebAssembly. V8 compiles all of it (9 MB of WebAssembly) with
 * its baseline compiler, Liftoff, and then compiles the functions that run often a second time
 * with its optimising compiler, TurboFan, keeping both. For AgentPod's small queries the
 * optimised code buys nothing measurable, and compiling it costs the most memory the embedded
 * database takes: opened alone and queried 600 times, 154 MB RSS with Liftoff only against
 * 205 MB, in less time (docs/performance.md). The flag must be set before PGlite's module is
 * compiled; it applies to this process's WebAssembly only (PGlite's and Node's HTTP parser).
 */
const WASM_FLAGS = '--liftoff-only';

async function openPglite(dir: string | undefined): Promise<DatabaseHandle> {
  let created: PgliteCreation | undefined;
  if (dir !== undefined) {
    try {
      mkdirSync(dirname(dir), { recursive: true });
    } catch (err) {
      throw new StartupError(
        'data_dir_unwritable',
        `cannot create the database folder ${dir}: ${(err as Error).message}; set AGENTPOD_DATA_DIR to a writable folder`,
        { cause: err },
      );
    }
    if (!existsSync(join(dir, 'PG_VERSION'))) created = await createPglite(dir);
  }
  let client: PGlite;
  try {
    setFlagsFromString(WASM_FLAGS);
    client = new PGlite(dir, PGLITE_OPTIONS);
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
    ...(created && { created }),
    listen: (channel, cb) => listenPglite(client, channel, cb),
    close: () => client.close(),
  };
}

export interface PgliteCreation {
  ms: number;
  /** The creating process's peak RSS in MB (null where /proc cannot say). */
  peakRssMb: number | null;
}

/**
 * Creates the embedded database in a process of its own, as PostgreSQL runs initdb: creating it
 * runs a second PostgreSQL and initdb in WebAssembly, whose memory a process never gives back
 * (over 700 MB at the peak, here), while opening the database left behind takes under 200 MB.
 * It is built in a folder beside `dir` that takes its name once complete, so a crash halfway
 * leaves no half-made database to open.
 */
async function createPglite(dir: string): Promise<PgliteCreation> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new StartupError(
      'database_unavailable',
      `${dir} holds files but no database (no PG_VERSION): move it away to start with a new database, or set AGENTPOD_DATA_DIR to the folder that holds yours`,
    );
  }
  const building = `${dir}.creating`;
  rmSync(building, { recursive: true, force: true });
  // Resolved here, so the child finds PGlite wherever it is started from.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const program = `
    const { PGlite } = require(${JSON.stringify(entry)});
    const started = Date.now();
    (async () => {
      const db = new PGlite(${JSON.stringify(building)}, ${JSON.stringify(PGLITE_OPTIONS)});
      await db.waitReady;
      await db.close();
      let peakRssMb = null;
      try {
        const status = require('node:fs').readFileSync('/proc/self/status', 'latin1');
        peakRssMb = Math.round(Number(/^VmHWM:\\s+(\\d+) kB/m.exec(status)[1]) / 1024);
      } catch {}
      console.log(JSON.stringify({ ms: Date.now() - started, peakRssMb }));
    })().catch((err) => {
      console.error((err && err.message) || String(err));
      process.exit(1);
    });`;
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [WASM_FLAGS, '-e', program]));
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new StartupError(
      'database_unavailable',
      `cannot create the embedded database in ${dir}: ${stderr.split('\n').at(-1) || (err as Error).message}`,
      { cause: err },
    );
  }
  if (existsSync(dir)) rmdirSync(dir);
  renameSync(building, dir);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as PgliteCreation;
}

export function pgliteDirFor(dataDir: string): string {
  return join(dataDir, 'pglite');
}
