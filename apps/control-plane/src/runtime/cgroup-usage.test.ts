// The parsers of the kernel's files, and finding a container's cgroup, on copies of what cgroup
// v1 (cgroupfs driver) and v2 (systemd driver) hosts show. The real files are read against the
// real daemon in cgroup-usage.int.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CgroupReading,
  ioStat,
  locateCgroup,
  networkCounters,
  readCgroup,
  statValue,
  usageFromCgroup,
  v1BlockIo,
} from './cgroup-usage.js';

const ID = 'fb820d0d6a5f7de35a5826a6ad604f6a56ba8d64cdf24a11b81dea4b699255c3';
const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
  eth0:    5000      40    0    0    0     0          0         0     3000      30    0    0    0     0       0          0
`;

let root = '';
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string>) {
  root = mkdtempSync(join(tmpdir(), 'cgroup-test-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { proc: join(root, 'proc'), cgroup: join(root, 'cgroup') };
}

describe('the parsers', () => {
  it('reads key-value files, the network counters without loopback, and block I/O of both layouts', () => {
    const cpuStat = 'usage_usec 2500\nuser_usec 2000\n';
    expect(statValue(cpuStat, 'usage_usec')).toBe(2500);
    expect(statValue(cpuStat, 'user_usec')).toBe(2000);
    expect(statValue(cpuStat, 'usec')).toBeUndefined();
    // A key that ends another key is not that key; the last line needs no newline.
    const memoryStat = 'active_file 10\ntotal_inactive_file 30\ninactive_file 20';
    expect(statValue(memoryStat, 'inactive_file')).toBe(20);
    expect(statValue(memoryStat, 'total_inactive_file')).toBe(30);
    expect(statValue(memoryStat, 'active_file')).toBe(10);
    expect(statValue('', 'inactive_file')).toBeUndefined();
    expect(networkCounters(NET_DEV)).toEqual({ networkRxBytes: 5000, networkTxBytes: 3000 });
    expect(ioStat('8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n')).toEqual({
      blockReadBytes: 4097,
      blockWriteBytes: 8194,
    });
    expect(
      v1BlockIo('8:0 Read 4096\n8:0 Write 512\n8:0 Sync 4608\n8:0 Total 4608\nTotal 4608\n'),
    ).toEqual({
      blockReadBytes: 4096,
      blockWriteBytes: 512,
    });
  });

  it('computes memory without inactive file pages and the CPU share over wall time, like docker stats', () => {
    const at = (ms: number, cpuNs: number): CgroupReading => ({
      cpuNs,
      memoryUsage: 50_000_000,
      inactiveFile: 10_000_000,
      memoryLimit: 64 * 1024 * 1024,
      pids: 3,
      networkRxBytes: 0,
      networkTxBytes: 0,
      blockReadBytes: 0,
      blockWriteBytes: 0,
      readAt: new Date(ms),
    });
    const first = at(1_000, 1_000_000_000);
    expect(usageFromCgroup(first, undefined)).toMatchObject({
      cpuPercent: null,
      memoryBytes: 40_000_000,
      pids: 3,
    });
    // Half a core for 10 s: 5 s of CPU time.
    expect(usageFromCgroup(at(11_000, 6_000_000_000), first).cpuPercent).toBeCloseTo(50);
    // A restart starts the counter again: no share.
    expect(usageFromCgroup(at(11_000, 10), first).cpuPercent).toBeNull();
  });
});

describe('locateCgroup and readCgroup', () => {
  it('finds a cgroup v1 container (cgroupfs driver) and reads it', () => {
    const roots = tree({
      'proc/42/cgroup': `12:pids:/docker/${ID}\n4:memory:/docker/${ID}\n2:cpu,cpuacct:/docker/${ID}\n7:blkio:/docker/${ID}\n1:name=systemd:/docker/${ID}\n0::/docker/${ID}\n`,
      'proc/42/net/dev': NET_DEV,
      [`cgroup/cpu,cpuacct/docker/${ID}/cgroup.procs`]: '42\n',
      [`cgroup/cpu,cpuacct/docker/${ID}/cpuacct.usage`]: '123456789\n',
      [`cgroup/memory/docker/${ID}/cgroup.procs`]: '42\n',
      [`cgroup/memory/docker/${ID}/memory.usage_in_bytes`]: '30000000\n',
      [`cgroup/memory/docker/${ID}/memory.limit_in_bytes`]: '67108864\n',
      [`cgroup/memory/docker/${ID}/memory.stat`]: 'cache 1\ntotal_inactive_file 5000000\n',
      [`cgroup/pids/docker/${ID}/cgroup.procs`]: '42\n',
      [`cgroup/pids/docker/${ID}/pids.current`]: '4\n',
      [`cgroup/blkio/docker/${ID}/cgroup.procs`]: '42\n',
      [`cgroup/blkio/docker/${ID}/blkio.throttle.io_service_bytes_recursive`]:
        '8:0 Read 4096\n8:0 Write 1024\nTotal 5120\n',
    });
    const location = locateCgroup(ID, 42, roots);
    expect(location).toMatchObject({ version: 1, pid: 42 });
    expect(readCgroup(location as NonNullable<typeof location>, roots)).toMatchObject({
      cpuNs: 123456789,
      memoryUsage: 30000000,
      inactiveFile: 5000000,
      memoryLimit: 67108864,
      pids: 4,
      networkRxBytes: 5000,
      networkTxBytes: 3000,
      blockReadBytes: 4096,
      blockWriteBytes: 1024,
    });
  });

  it('finds a cgroup v2 container (systemd driver) and reads it', () => {
    const dir = `cgroup/system.slice/docker-${ID}.scope`;
    const roots = tree({
      'proc/7/cgroup': `0::/system.slice/docker-${ID}.scope\n`,
      'proc/7/net/dev': NET_DEV,
      [`${dir}/cpu.stat`]: 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n',
      [`${dir}/memory.current`]: '20000000\n',
      [`${dir}/memory.max`]: '134217728\n',
      [`${dir}/memory.stat`]: 'anon 1\ninactive_file 1000000\n',
      [`${dir}/pids.current`]: '2\n',
      [`${dir}/io.stat`]: '8:0 rbytes=10 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n',
    });
    const location = locateCgroup(ID, 7, roots);
    expect(location).toMatchObject({ version: 2, pid: 7 });
    expect(readCgroup(location as NonNullable<typeof location>, roots)).toMatchObject({
      cpuNs: 2_500_000,
      memoryUsage: 20000000,
      inactiveFile: 1000000,
      memoryLimit: 134217728,
      pids: 2,
      blockReadBytes: 10,
      blockWriteBytes: 20,
    });
  });

  it("refuses a process that is not the container's (another namespace, a reused pid) and reads a gone one as null", () => {
    const roots = tree({
      'proc/9/cgroup': '0::/\n',
      'proc/10/cgroup': `0::/system.slice/docker-${ID}.scope\n`,
      'proc/10/net/dev': NET_DEV,
      [`cgroup/system.slice/docker-${ID}.scope/cpu.stat`]: 'usage_usec 1\n',
    });
    expect(locateCgroup(ID, 9, roots)).toBeNull();
    expect(locateCgroup(ID, 11, roots)).toBeNull();
    expect(locateCgroup(ID, 0, roots)).toBeNull();
    const location = locateCgroup(ID, 10, roots);
    expect(location).not.toBeNull();
    // The process exited and its pid went to another: not ours any more.
    writeFileSync(join(roots.proc, '10', 'cgroup'), '0::/user.slice\n');
    expect(readCgroup(location as NonNullable<typeof location>, roots)).toBeNull();
    rmSync(join(roots.proc, '10'), { recursive: true });
    expect(readCgroup(location as NonNullable<typeof location>, roots)).toBeNull();
  });
});
