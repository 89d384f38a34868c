import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataDirLock,
  isStale,
  LOCK_FILE,
  type LockHolder,
  lockHolder,
  type Observer,
  parseHolder,
  STALE_AFTER_MS,
} from './data-lock.js';

const self: Observer = { pid: 100, hostname: 'cp-1', holdsIt: false, isAlive: (pid) => pid === 7 };
const holder = (pid: number, host = 'cp-1'): LockHolder => ({
  pid,
  hostname: host,
  startedAt: '2026-11-28T10:00:00.000Z',
});

describe('isStale', () => {
  it('keeps a live process on this host, frees a dead one at once', () => {
    expect(isStale(holder(7), 1_000, self)).toBe(false);
    expect(isStale(holder(8), 1_000, self)).toBe(true);
  });

  it('frees our own PID left by an earlier run (a restarted container), not our own lock', () => {
    expect(isStale(holder(100), 1_000, self)).toBe(true);
    expect(isStale(holder(100), 1_000, { ...self, holdsIt: true })).toBe(false);
  });

  it("keeps another host's lock until its heartbeat stops", () => {
    expect(isStale(holder(8, 'cp-2'), STALE_AFTER_MS - 1, self)).toBe(false);
    expect(isStale(holder(8, 'cp-2'), STALE_AFTER_MS + 1, self)).toBe(true);
  });

  it('frees a lock whose PID was reused: alive, but not touched for too long', () => {
    expect(isStale(holder(7), STALE_AFTER_MS + 1, self)).toBe(true);
  });

  it('frees an unreadable lock', () => {
    expect(isStale(undefined, 0, self)).toBe(true);
  });
});

describe('parseHolder', () => {
  it('reads a holder and refuses what could make kill(2) reach other processes', () => {
    expect(parseHolder(JSON.stringify({ ...holder(7), url: 'http://x' }))?.url).toBe('http://x');
    for (const pid of [0, -1, 1.5, '7']) {
      expect(parseHolder(JSON.stringify({ ...holder(7), pid }))).toBeUndefined();
    }
    expect(parseHolder('')).toBeUndefined();
  });
});

describe('DataDirLock on a real folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentpod-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names this process as the holder, refuses a second acquire, and is gone once released', () => {
    const lock = DataDirLock.acquire(dir);
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(() => DataDirLock.acquire(dir)).toThrow(
      `the control plane at PID ${process.pid} is using ${dir}; use the API or stop it`,
    );
    lock.announce('http://127.0.0.1:8080');
    expect(lockHolder(dir)?.url).toBe('http://127.0.0.1:8080');
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(lockHolder(dir)).toBeUndefined();
  });

  it("takes over a dead process's lock", () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...holder(dead), hostname: hostname() }));
    expect(lockHolder(dir)).toBeUndefined();
    const lock = DataDirLock.acquire(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
