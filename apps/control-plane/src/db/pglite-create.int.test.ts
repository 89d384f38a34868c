// The embedded database's first start: PGlite creates the database in a process of its own (it
// holds over 700 MB while it does, and a process never gives WebAssembly memory back), in a
// folder beside the data folder that takes its name once complete.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from './client.js';

const root = mkdtempSync(join(tmpdir(), 'agentpod-pglite-'));

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('a first start on embedded PGlite', () => {
  it('creates the database in another process, once, and keeps what was written', async () => {
    const dir = join(root, 'new', 'pglite');
    // A crash during an earlier creation left a half-made folder: it is made again.
    mkdirSync(`${dir}.creating`, { recursive: true });
    writeFileSync(join(`${dir}.creating`, 'half-made'), '');
    const first = await openDatabase({ pgliteDir: dir });
    try {
      expect(first.created?.ms).toBeGreaterThan(0);
      // The creating process's own peak, which this process never held.
      expect(first.created?.peakRssMb).toBeGreaterThan(100);
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
      expect(existsSync(`${dir}.creating`)).toBe(false);
      await first.db.execute(sql`CREATE TABLE kept (v text)`);
      await first.db.execute(sql`INSERT INTO kept VALUES ('written on the first start')`);
    } finally {
      await first.close();
    }
    const again = await openDatabase({ pgliteDir: dir });
    try {
      expect(again.created).toBeUndefined();
      expect(await queryRows<{ v: string }>(again.db, sql`SELECT v FROM kept`)).toEqual([
        { v: 'written on the first start' },
      ]);
    } finally {
      await again.close();
    }
  }, 120_000);

  it('refuses a folder that holds files but no database, and leaves it as it was', async () => {
    const dir = join(root, 'occupied');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'not a database');
    await expect(openDatabase({ pgliteDir: dir })).rejects.toMatchObject({
      code: 'database_unavailable',
      message: expect.stringMatching(/holds files but no database \(no PG_VERSION\)/),
    });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(existsSync(`${dir}.creating`)).toBe(false);
  });
});
