import {
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { StartupError } from './errors.js';

// PGlite is one process's database: a second process opening the same folder works on its own
// copy of the pages, and one of them loses its writes. So every process that opens the folder
// holds this lock first.
//
// Our own code rather than proper-lockfile: that library judges a lock only by the age of
// its mtime, so a SIGKILLed holder blocks the next start for its whole stale window, and it
// records no PID to name in the refusal. This lock names its holder; on the same host a dead
// PID frees it at once. The mtime heartbeat decides only what a PID cannot: a holder on
// another host sharing the folder, or a PID reused by another process after a crash.

export const LOCK_FILE = 'agentpod.lock';
const HEARTBEAT_MS = 10_000;
/** Six missed heartbeats: far longer than any pause of a live holder's event loop. */
export const STALE_AFTER_MS = 60_000;

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  /** The holder's API, once a server listens: the CLI goes through it instead. */
  url?: string;
}

export interface Observer {
  pid: number;
  hostname: string;
  /** This process already holds a lock on the folder (it never hands itself a second one). */
  holdsIt: boolean;
  isAlive: (pid: number) => boolean;
}

/** Whether a found lock's holder is gone. Pure: the decision the tests pin down. */
export function isStale(holder: LockHolder | undefined, ageMs: number, self: Observer): boolean {
  // Unreadable: not one of ours (ours are linked into place whole), so nobody holds it.
  if (!holder) return true;
  if (ageMs > STALE_AFTER_MS) return true;
  if (holder.hostname !== self.hostname) return false;
  // Our own PID on our own host, not held by us: this container restarted with the same PID.
  if (holder.pid === self.pid) return !self.holdsIt;
  return !self.isAlive(holder.pid);
}

export function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    const pidOk = typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0;
    if (!pidOk || typeof v.hostname !== 'string' || typeof v.startedAt !== 'string') return;
    return v as LockHolder;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds: a second acquire in the same process is refused too. */
const held = new Set<string>();

interface Found {
  raw: string;
  holder: LockHolder | undefined;
  ageMs: number;
}

function readLock(path: string): Found | undefined {
  try {
    const raw = readFileSync(path, 'utf8');
    return { raw, holder: parseHolder(raw), ageMs: Date.now() - statSync(path).mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function observer(path: string): Observer {
  return { pid: process.pid, hostname: osHostname(), holdsIt: held.has(path), isAlive: pidAlive };
}

/** The live holder of the folder's lock, if any (for the CLI: is a server running here?). */
export function lockHolder(dataDir: string): LockHolder | undefined {
  const path = join(dataDir, LOCK_FILE);
  const found = readLock(path);
  if (!found || isStale(found.holder, found.ageMs, observer(path))) return undefined;
  return found.holder;
}

/**
 * Writes `text` to `path` only if nothing is there. link(2) of a whole temp file fails with
 * EEXIST exactly like O_EXCL, without a moment in which the lock exists but is still empty.
 */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Removes a stale lock, unless another process replaced it since we read it. */
function removeStale(path: string, raw: string): void {
  const grave = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, grave);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readFileSync(grave, 'utf8');
  // We moved a fresh lock a racing process had just taken over: put it back.
  if (moved !== raw) createExclusive(path, moved);
  rmSync(grave, { force: true });
}

export class DataDirLock {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly path: string,
    private holder: LockHolder,
  ) {
    held.add(path);
    this.timer = setInterval(() => this.touch(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Takes the folder's lock or throws `data_dir_locked` naming the live holder's PID. */
  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, LOCK_FILE);
    const self = observer(path);
    const holder = { pid: self.pid, hostname: self.hostname, startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!self.holdsIt && createExclusive(path, JSON.stringify(holder))) {
        return new DataDirLock(path, holder);
      }
      const found = readLock(path);
      if (!found) continue;
      if (found.holder && !isStale(found.holder, found.ageMs, self)) {
        const on = found.holder.hostname === self.hostname ? '' : ` on ${found.holder.hostname}`;
        throw new StartupError(
          'data_dir_locked',
          `the control plane at PID ${found.holder.pid}${on} is using ${dataDir}; use the API or stop it`,
        );
      }
      removeStale(path, found.raw);
    }
    throw new StartupError(
      'data_dir_locked',
      `could not lock ${dataDir}: other processes keep taking ${LOCK_FILE}; stop them and retry`,
    );
  }

  /** Publishes the server's API URL in the lock (replaced whole, by rename). */
  announce(url: string): void {
    this.holder = { ...this.holder, url };
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.holder));
    renameSync(temp, this.path);
  }

  /** Removes the lock if it is still ours (a holder judged stale may have lost it). */
  release(): void {
    clearInterval(this.timer);
    held.delete(this.path);
    const found = readLock(this.path);
    if (found?.holder?.pid === this.holder.pid && found.holder.startedAt === this.holder.startedAt)
      rmSync(this.path, { force: true });
  }

  private touch(): void {
    const now = new Date();
    try {
      utimesSync(this.path, now, now);
    } catch {
      // Removed by hand or a read-only remount: on this host the PID still decides, so a
      // missed touch only lets a holder on another host take over after STALE_AFTER_MS.
    }
  }
}
