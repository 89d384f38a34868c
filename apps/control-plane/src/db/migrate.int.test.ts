import { readdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows } from './client.js';
import { runMigrations } from './migrate.js';
import { DATABASE_BACKENDS, openTestDatabase, type TestDatabase } from './testing.js';

const tables = async (t: TestDatabase) => {
  const rows = await queryRows<{ table_name: string }>(
    t.db,
    sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
};

describe.each(DATABASE_BACKENDS)('migrations on %s', (backend) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.destroy();
  });

  it('creates every table once and is a no-op the second time', async () => {
    t = await openTestDatabase(backend, { migrate: false });
    expect(await tables(t)).toEqual([]);
    await runMigrations(t);
    const created = await tables(t);
    expect(created).toEqual([
      'api_tokens',
      'audit_log',
      'auth_account',
      'auth_rate_limit',
      'auth_session',
      'auth_user',
      'auth_verification',
      'installation',
      'pod_events',
      'pod_secrets',
      'pod_status',
      'pod_usage',
      'pods',
      'registry_credentials',
      'tenants',
    ]);
    await runMigrations(t);
    expect(await tables(t)).toEqual(created);
    const [applied] = await queryRows<{ n: number }>(
      t.db,
      sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`,
    );
    const sqlFiles = readdirSync(new URL('./migrations', import.meta.url)).filter((f) =>
      f.endsWith('.sql'),
    );
    expect(applied?.n).toBe(sqlFiles.length);
  });

  it('reports a failing migration as one clear error and leaves the database unchanged', async () => {
    t = await openTestDatabase(backend, { migrate: false });
    // A table the first migration also creates makes it fail half-way through.
    await t.db.execute(sql`CREATE TABLE pods (id text)`);
    const error = await runMigrations(t).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'migration_failed' });
    expect((error as Error).message).toMatch(
      /relation "pods" already exists.*no migration was applied/,
    );
    // Tables created before the failing statement were rolled back with it.
    expect(await tables(t)).toEqual(['pods']);
  });
});
