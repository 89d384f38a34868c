// Test support: the same repository tests run against the embedded PGlite and a real
// PostgreSQL 15 server (started by scripts/test-env.sh). Each opened database is fresh.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { LABEL_INSTALLATION } from '../runtime/labels.js';
import { removeTestObjects, testHost } from '../runtime/testing.js';
import { type DatabaseHandle, openDatabase } from './client.js';
import { runMigrations } from './migrate.js';

export interface TestDatabase extends DatabaseHandle {
  /** Closes the handle and drops what it created. */
  destroy(): Promise<void>;
}

export const DATABASE_BACKENDS = ['pglite', 'postgres'] as const;
export type DatabaseBackend = (typeof DATABASE_BACKENDS)[number];

export function testServerUrl(): string {
  const url = process.env.AGENTPOD_TEST_DATABASE_URL;
  if (!url) throw new Error('AGENTPOD_TEST_DATABASE_URL is not set: run scripts/test-env.sh');
  return url;
}

/**
 * A new, empty database on the test server; `drop` removes it (closing its connections) and
 * every Docker object of the installation it held: the test made that installation, so its pod
 * network, containers and volumes are the test's too.
 */
export async function createScratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = testServerUrl();
  const name = `agentpod_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await removeInstallationObjects(url.toString());
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Removes the Docker objects labelled with the database's installation id, if it has one. */
async function removeInstallationObjects(url: string): Promise<void> {
  if (!process.env.AGENTPOD_TEST_DOCKER_HOST) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let id: string | undefined;
  try {
    const { rows } = await c.query<{ id: string }>('SELECT id FROM installation');
    id = rows[0]?.id;
  } catch {
    // Not migrated (or never started): no installation, nothing in Docker.
  } finally {
    await c.end();
  }
  if (id) await removeTestObjects(testHost(), { [LABEL_INSTALLATION]: id });
}

/** A brand-new database of the given kind, migrated unless `migrate: false`. */
export async function openTestDatabase(
  backend: DatabaseBackend,
  opts: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  let handle: DatabaseHandle;
  let drop = async () => {};
  if (backend === 'pglite') {
    handle = await openDatabase({ memory: true });
  } else {
    const scratch = await createScratchDatabase();
    handle = await openDatabase({ url: scratch.url });
    drop = scratch.drop;
  }
  if (opts.migrate !== false) await runMigrations(handle);
  return {
    ...handle,
    destroy: async () => {
      await handle.close();
      await drop();
    },
  };
}
