// The walk against `du -skx` itself, on real files in a scratch folder: the same bytes, a hard
// link counted once, and a deadline that gives up.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canWalk, diskUsage } from './disk-usage.js';

let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'disk-usage-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const du = (path: string) =>
  Number(execFileSync('du', ['-skx', path]).toString().split('\t')[0]) * 1024;

describe('diskUsage', () => {
  it('counts what du -skx counts, a hard-linked file once', async () => {
    mkdirSync(join(root, 'a/b/c'), { recursive: true });
    writeFileSync(join(root, 'a/one'), Buffer.alloc(100_000, 1));
    writeFileSync(join(root, 'a/b/two'), Buffer.alloc(3_000_000, 2));
    writeFileSync(join(root, 'a/b/c/empty'), '');
    linkSync(join(root, 'a/b/two'), join(root, 'a/linked'));
    for (let i = 0; i < 600; i++) writeFileSync(join(root, `a/b/c/f${i}`), 'x');
    const bytes = await diskUsage(root, Date.now() + 60_000);
    expect(bytes).toBe(du(root));
    expect(bytes).toBeGreaterThan(3_000_000);
    expect(bytes).toBeLessThan(2 * 3_000_000);
  });

  it('gives up past its deadline, and says which folders it can walk', async () => {
    for (let i = 0; i < 600; i++) writeFileSync(join(root, `f${i}`), 'x');
    expect(await diskUsage(root, Date.now() - 1)).toBeNull();
    expect(canWalk(root)).toBe(true);
    expect(canWalk(join(root, 'f1'))).toBe(false);
    expect(canWalk(join(root, 'missing'))).toBe(false);
    expect(canWalk('')).toBe(false);
  });
});
