// A container's usage read from the kernel's own files (its cgroup, and its network namespace
// through its init process) instead of Docker's stats API, when the daemon runs on this machine.
// dockerd reads the same files for `docker stats`; asking it costs an HTTP round trip and a JSON
// document of a few KB per container, which at a thousand pods every 10 s was most of the
// control plane's idle CPU (docs/performance.md). Reading the files directly is several times
// cheaper. Both cgroup layouts are read: v1 (a hierarchy per controller) and v2 (unified).
//
// Where the files cannot be trusted to be the container's (another PID or cgroup namespace, as
// when the control plane itself runs in a container without the host's), `locate` returns null
// and the caller asks Docker instead.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { type ContainerUsage, memoryInUse } from './stats.js';

export interface CgroupRoots {
  /** The host's /proc: where the container's init process is. */
  proc: string;
  /** The host's cgroup mount. */
  cgroup: string;
}

const HOST: CgroupRoots = { proc: '/proc', cgroup: '/sys/fs/cgroup' };

/** Where one container's counters are. */
export type CgroupLocation =
  | { version: 2; pid: number; containerId: string; dir: string }
  | {
      version: 1;
      pid: number;
      containerId: string;
      cpu: string;
      memory: string;
      pids: string | null;
      blkio: string | null;
    };

/** The raw counters of one reading; the counters `docker stats` reports as they are, too. */
export interface CgroupReading
  extends Pick<
    ContainerUsage,
    'pids' | 'networkRxBytes' | 'networkTxBytes' | 'blockReadBytes' | 'blockWriteBytes' | 'readAt'
  > {
  /** CPU time the container used since it started, in nanoseconds. */
  cpuNs: number;
  memoryUsage: number;
  inactiveFile: number;
  memoryLimit: number;
}

/**
 * Finds the container's cgroup from `/proc/<pid>/cgroup`. Null unless every path it names holds
 * the container's id and exists here: a pid from another namespace can be another process.
 */
export function locateCgroup(
  containerId: string,
  pid: number,
  roots: CgroupRoots = HOST,
): CgroupLocation | null {
  if (!Number.isInteger(pid) || pid <= 0 || containerId.length < 12) return null;
  let text: string;
  try {
    text = readFileSync(join(roots.proc, String(pid), 'cgroup'), 'utf8');
  } catch {
    return null;
  }
  const byController = new Map<string, string>();
  let unified: string | undefined;
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, , controllers = '', path = ''] = match;
    if (controllers === '') unified = path;
    else for (const c of controllers.split(',')) byController.set(c, `${controllers}\u0000${path}`);
  }
  const mine = (path: string | undefined) => path?.includes(containerId) ?? false;

  const v1 = (controller: string): string | null => {
    const entry = byController.get(controller);
    if (!entry) return null;
    const [mount = '', path = ''] = entry.split('\u0000');
    if (!mine(path)) return null;
    // A joint mount (`cpu,cpuacct`) is also linked under each name; try both.
    for (const name of [mount, controller]) {
      const dir = join(roots.cgroup, name, path);
      if (existsSync(join(dir, 'cgroup.procs'))) return dir;
    }
    return null;
  };
  if (byController.size > 0) {
    const cpu = v1('cpuacct');
    const memory = v1('memory');
    if (!cpu || !memory) return null;
    return {
      version: 1,
      pid,
      containerId,
      cpu,
      memory,
      pids: v1('pids'),
      blkio: v1('blkio'),
    };
  }
  if (!mine(unified)) return null;
  const dir = join(roots.cgroup, unified ?? '');
  return existsSync(join(dir, 'cpu.stat')) ? { version: 2, pid, containerId, dir } : null;
}

/**
 * One reading of the counters, or null when the process or its cgroup is gone (a stop, a
 * restart: locate again). Only the cgroup files must be there; a missing optional one (pids,
 * block I/O) reads as zero. Each file is opened for this reading alone; a collector that reads
 * the same container again and again keeps them open with `CgroupFiles`.
 */
export function readCgroup(
  location: CgroupLocation,
  roots: CgroupRoots = HOST,
): CgroupReading | null {
  const paths = counterFiles(location, roots);
  return readCounters(location, (file) => read(paths[file] ?? ''));
}

/**
 * A container's counter files, kept open from one reading to the next. Reading an open kernel
 * file again from offset 0 makes the kernel write it afresh, so a reading costs the reads alone:
 * no path to build, walk and open, nor a close, per file (a third of the cost at 200 containers,
 * docs/performance.md).
 *
 * The init process's files refer to that process, not to its pid: once it exits they fail (or
 * read empty), even if the pid is reused, and the reading says the container is gone. Close
 * them when it is: an open `net/dev` holds the container's network namespace.
 *
 * At most half the process's file limit is kept open across all containers; past that, files
 * are opened for each reading as `readCgroup` does.
 */
export class CgroupFiles {
  private readonly paths: Partial<Record<CounterFile, string>>;
  private readonly fds = new Map<CounterFile, number>();
  /** The held files are the container's process's: checked by the reading that opened them. */
  private owned = false;
  /** This reading opened some file by its path (past the limit): the check is needed again. */
  private readByPath = false;

  constructor(
    readonly location: CgroupLocation,
    roots: CgroupRoots = HOST,
  ) {
    this.paths = counterFiles(location, roots);
  }

  read(): CgroupReading | null {
    this.readByPath = false;
    const reading = readCounters(this.location, (file) => this.text(file), !this.owned);
    // Held open from a reading that found the process to be the container's, the files stay
    // that process's and its cgroup's: once it exits they fail (ESRCH, and ENODEV once Docker
    // removes the cgroup), whatever process takes its pid. Reading `/proc/<pid>/cgroup` again
    // is then not needed (it was a sixth of a reading's cost, bench/fleet.mjs --perf).
    this.owned = reading !== null && !this.readByPath;
    return reading;
  }

  close(): void {
    for (const fd of this.fds.values()) closeQuietly(fd);
    keptOpen -= this.fds.size;
    this.fds.clear();
  }

  private text(file: CounterFile): string {
    const path = this.paths[file] ?? '';
    let fd = this.fds.get(file);
    if (fd === undefined) {
      if (keptOpen >= keepOpenLimit()) return this.readPath(path);
      try {
        fd = openSync(path, 'r');
      } catch (err) {
        // Out of descriptors after all (sockets count too): read it the one-off way.
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EMFILE' || code === 'ENFILE') return this.readPath(path);
        throw err;
      }
      this.fds.set(file, fd);
      keptOpen++;
    }
    return readFrom(fd, 0, path);
  }

  private readPath(path: string): string {
    this.readByPath = true;
    return read(path);
  }
}

/** Files `CgroupFiles` hold open now, across all containers. */
let keptOpen = 0;
let limit: number | undefined;

/** Half the soft limit on open files (`/proc/self/limits`); 512 when it cannot be read. */
function keepOpenLimit(): number {
  if (limit === undefined) {
    let soft = 1024;
    try {
      const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
      if (line) soft = Number(line[1]);
    } catch {
      // Not Linux's /proc: keep the default.
    }
    limit = Math.floor(soft / 2);
  }
  return limit;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}

/** The files a reading takes, by what they hold. */
type CounterFile =
  | 'owner'
  | 'net'
  | 'cpu'
  | 'memoryStat'
  | 'memoryUsage'
  | 'memoryLimit'
  | 'pids'
  | 'io'
  | 'ioFallback';

/** Where each of the container's counter files is (the optional ones only if its cgroup has them). */
function counterFiles(
  location: CgroupLocation,
  roots: CgroupRoots,
): Partial<Record<CounterFile, string>> {
  const proc = join(roots.proc, String(location.pid));
  const common = { owner: join(proc, 'cgroup'), net: join(proc, 'net', 'dev') };
  if (location.version === 2) {
    const { dir } = location;
    return {
      ...common,
      cpu: join(dir, 'cpu.stat'),
      memoryStat: join(dir, 'memory.stat'),
      memoryUsage: join(dir, 'memory.current'),
      memoryLimit: join(dir, 'memory.max'),
      pids: join(dir, 'pids.current'),
      io: join(dir, 'io.stat'),
    };
  }
  return {
    ...common,
    cpu: join(location.cpu, 'cpuacct.usage'),
    memoryStat: join(location.memory, 'memory.stat'),
    memoryUsage: join(location.memory, 'memory.usage_in_bytes'),
    memoryLimit: join(location.memory, 'memory.limit_in_bytes'),
    ...(location.pids && { pids: join(location.pids, 'pids.current') }),
    ...(location.blkio && {
      io: join(location.blkio, 'blkio.throttle.io_service_bytes_recursive'),
      ioFallback: join(location.blkio, 'blkio.io_service_bytes_recursive'),
    }),
  };
}

/** Errors that say the process or its cgroup is gone, not that something is wrong here. */
const GONE = new Set(['ENOENT', 'ESRCH', 'ENODEV']);

function readCounters(
  location: CgroupLocation,
  read: (file: CounterFile) => string,
  checkOwner = true,
): CgroupReading | null {
  const optional = (file: CounterFile): string => {
    try {
      return read(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  };
  try {
    const readAt = new Date();
    // The init process of a restarted container has another pid, and its old one may be reused.
    if (checkOwner && !read('owner').includes(location.containerId)) return null;
    const net = networkCounters(read('net'));
    const stat = read('memoryStat');
    if (location.version === 2) {
      const max = read('memoryLimit').trim();
      return {
        cpuNs: (statValue(read('cpu'), 'usage_usec') ?? 0) * 1000,
        memoryUsage: Number(read('memoryUsage')),
        inactiveFile: statValue(stat, 'inactive_file') ?? 0,
        memoryLimit: max === 'max' ? totalmem() : Number(max),
        pids: Number(optional('pids') || 0),
        ...net,
        ...ioStat(optional('io')),
        readAt,
      };
    }
    const blkio = location.blkio
      ? v1BlockIo(optional('io') || optional('ioFallback'))
      : { blockReadBytes: 0, blockWriteBytes: 0 };
    return {
      cpuNs: Number(read('cpu')),
      memoryUsage: Number(read('memoryUsage')),
      inactiveFile: statValue(stat, 'total_inactive_file') ?? 0,
      memoryLimit: Number(read('memoryLimit')),
      pids: location.pids ? Number(optional('pids') || 0) : 0,
      ...net,
      ...blkio,
      readAt,
    };
  } catch (err) {
    if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

/**
 * The usage as `docker stats` computes it: memory minus inactive file pages, the CPU share as the
 * CPU time used since `previous` over the wall time between them (100 = one core).
 */
export function usageFromCgroup(
  reading: CgroupReading,
  previous: CgroupReading | undefined,
): ContainerUsage {
  const wallNs = previous ? (reading.readAt.getTime() - previous.readAt.getTime()) * 1e6 : 0;
  const cpuDelta = previous ? reading.cpuNs - previous.cpuNs : -1;
  // A restarted container's counter starts again from zero: no share to report then.
  const cpuPercent = wallNs > 0 && cpuDelta >= 0 ? (cpuDelta / wallNs) * 100 : null;
  const { cpuNs: _cpu, memoryUsage, inactiveFile, memoryLimit, ...counters } = reading;
  return {
    cpuPercent,
    memoryBytes: memoryInUse(memoryUsage, inactiveFile),
    memoryLimitBytes: memoryLimit,
    ...counters,
  };
}

/** One buffer for every read: the files are small, and read one after another. */
const buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * A kernel file's text. open, read, close: `readFileSync` also stats the file and, since these
 * report a size of 0 or 4096, reads twice; this halves the cost of the eight files a reading takes.
 */
function read(file: string): string {
  const fd = openSync(file, 'r');
  try {
    return readFrom(fd, null, file);
  } finally {
    closeSync(fd);
  }
}

/** The whole text of an open file, from `start` (0: afresh) or its current position (null). */
function readFrom(fd: number, start: number | null, file: string): string {
  let length = 0;
  for (;;) {
    const n = readSync(
      fd,
      buffer,
      length,
      buffer.length - length,
      start === null ? null : start + length,
    );
    if (n === 0) return buffer.toString('latin1', 0, length);
    length += n;
    // Larger than any counter file: read it whole the ordinary way.
    if (length === buffer.length) return readFileSync(file, 'latin1');
  }
}

/**
 * The number on the `key value` line of `key` (memory.stat, cpu.stat), or undefined. One search,
 * not a map of every line: a reading needs one figure of memory.stat's forty-odd, and splitting
 * it all was a third of a reading's JavaScript at 1,000 pods (docs/performance.md).
 */
export function statValue(text: string, key: string): number | undefined {
  let line = 0;
  if (!text.startsWith(`${key} `)) {
    line = text.indexOf(`\n${key} `) + 1;
    if (line === 0) return undefined;
  }
  const start = line + key.length + 1;
  const end = text.indexOf('\n', start);
  return Number(text.slice(start, end < 0 ? undefined : end));
}

/** `/proc/<pid>/net/dev`: bytes received and sent on every interface but loopback. */
export function networkCounters(text: string): { networkRxBytes: number; networkTxBytes: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    // receive: bytes packets errs drop fifo frame compressed multicast; then transmit: bytes ...
    rx += Number(fields[0] ?? 0);
    tx += Number(fields[8] ?? 0);
  }
  return { networkRxBytes: rx, networkTxBytes: tx };
}

/** v2 `io.stat`: `8:0 rbytes=1 wbytes=2 rios=...` per device. */
export function ioStat(text: string): { blockReadBytes: number; blockWriteBytes: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/\brbytes=(\d+)\s+wbytes=(\d+)/g)) {
    read += Number(m[1]);
    write += Number(m[2]);
  }
  return { blockReadBytes: read, blockWriteBytes: write };
}

/** v1 `blkio.*io_service_bytes_recursive`: `8:0 Read 4096` per device and operation. */
export function v1BlockIo(text: string): { blockReadBytes: number; blockWriteBytes: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/^\d+:\d+ (Read|Write) (\d+)$/gm)) {
    if (m[1] === 'Read') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { blockReadBytes: read, blockWriteBytes: write };
}
