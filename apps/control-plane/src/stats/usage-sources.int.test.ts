// Usage read from the kernel's files of a real container, set against what Docker's stats API
// says of the same container: the same limit, processes and network counters, the same memory
// give or take what changed between the two reads, a CPU share held under the container's quota.
// And the stats collector on either source: the files where they can be read, Docker where not.

import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../db/testing.js';
import { createLogger } from '../logger.js';
import {
  CgroupFiles,
  computeUsage,
  containerStats,
  createContainer,
  type DockerHost,
  inspectContainer,
  locateCgroup,
  readCgroup,
  restartContainer,
  startContainer,
  stopContainer,
  usageFromCgroup,
} from '../runtime/index.js';
import {
  eventually,
  removeTestObjects,
  testHost,
  testImage,
  testName,
} from '../runtime/testing.js';
import { StatsCollector } from './collector.js';

const TEST = { 'agentpod.managed': 'true', 'agentpod.test': 'cgroup-usage' };
const MEMORY = 64 * 1024 * 1024;
let docker: DockerHost;
let busy: string;

beforeAll(async () => {
  docker = testHost();
  // Spins on half a core (the quota caps it there), with a few MB of its own in memory.
  busy = await createContainer(docker, {
    name: testName('cgroup'),
    image: testImage('BASE'),
    cmd: ['sh', '-c', 'head -c 8000000 /dev/zero > /dev/shm/fill; while :; do :; done'],
    env: {},
    labels: TEST,
    mounts: [],
    memoryBytes: MEMORY,
    nanoCpus: 500_000_000,
  });
  await startContainer(docker, busy);
});

afterAll(async () => {
  await removeTestObjects(docker, TEST);
});

/** A running container that only sleeps, labelled for removal after the file. */
async function startSleeper(name: string): Promise<string> {
  const id = await createContainer(docker, {
    name: testName(name),
    image: testImage('BASE'),
    cmd: ['sleep', '300'],
    env: {},
    labels: TEST,
    mounts: [],
  });
  await startContainer(docker, id);
  return id;
}

describe('cgroup usage', () => {
  it("reads what Docker's stats API reads, from the container's own files", async () => {
    const view = await inspectContainer(docker, busy);
    const location = locateCgroup(view.id, view.state.pid);
    expect(location).not.toBeNull();
    if (!location) return;
    // Once the 8 MB are written, one process is left (the shell's loop): nothing moves but CPU.
    await eventually('the fill written', () =>
      readCgroup(location)?.pids === 1 ? true : undefined,
    );
    const first = readCgroup(location);
    const fromDocker = computeUsage(await containerStats(docker, busy));
    const second = readCgroup(location);
    expect(first && second).toBeTruthy();
    if (!first || !second) return;
    const usage = usageFromCgroup(second, first);
    expect(usage.memoryLimitBytes).toBe(MEMORY);
    expect(fromDocker.memoryLimitBytes).toBe(MEMORY);
    expect(usage.pids).toBe(fromDocker.pids);
    // The same interfaces' counters: Docker's lie between the two readings around it (a packet
    // on the bridge, e.g. neighbour discovery, can land between any two reads; CI saw one).
    for (const key of ['networkRxBytes', 'networkTxBytes'] as const) {
      expect(fromDocker[key]).toBeGreaterThanOrEqual(first[key]);
      expect(fromDocker[key]).toBeLessThanOrEqual(second[key]);
    }
    // The 8 MB file in /dev/shm is charged to the container; both see it.
    expect(usage.memoryBytes).toBeGreaterThan(7_000_000);
    expect(Math.abs(usage.memoryBytes - fromDocker.memoryBytes)).toBeLessThan(2 * 1024 * 1024);
  });

  it('gives a CPU share between two readings, held under the quota of half a core', async () => {
    const view = await inspectContainer(docker, busy);
    const location = locateCgroup(view.id, view.state.pid);
    if (!location) throw new Error('no cgroup found');
    const first = readCgroup(location);
    if (!first) throw new Error('no first reading');
    // Until the container has used 200 ms of CPU since the first reading: the share over that.
    const later = await eventually(
      'the container to use 200 ms of CPU',
      () => {
        const r = readCgroup(location);
        return r && r.cpuNs - first.cpuNs > 200_000_000 ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const share = usageFromCgroup(later, first).cpuPercent ?? -1;
    expect(share).toBeGreaterThan(0);
    // The CFS quota enforces 50% per period; the reads' own timing adds a little either way.
    expect(share).toBeLessThan(60);
  });

  it('reads a stopped container as gone', async () => {
    const id = await startSleeper('cgroup-stop');
    const view = await inspectContainer(docker, id);
    const location = locateCgroup(view.id, view.state.pid);
    expect(location && readCgroup(location)).toBeTruthy();
    await stopContainer(docker, id, { timeoutSeconds: 0 });
    if (location) expect(readCgroup(location)).toBeNull();
  });
});

describe('cgroup files kept open', () => {
  const openFds = () => readdirSync('/proc/self/fd').length;

  it('read afresh each time, as the files opened anew do', async () => {
    const view = await inspectContainer(docker, busy);
    const location = locateCgroup(view.id, view.state.pid);
    if (!location) throw new Error('no cgroup found');
    const before = openFds();
    const files = new CgroupFiles(location);
    const first = files.read();
    if (!first) throw new Error('no first reading');
    expect(openFds()).toBeGreaterThan(before);
    // The spinning shell's CPU time grows from one reading of the same open files to the next.
    const later = await eventually(
      'the CPU counter to move on the kept files',
      () => {
        const r = files.read();
        return r && r.cpuNs - first.cpuNs > 100_000_000 ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // And it agrees with a reading that opens every file anew, taken right after.
    const fresh = readCgroup(location);
    if (!fresh) throw new Error('no fresh reading');
    expect(fresh.cpuNs).toBeGreaterThanOrEqual(later.cpuNs);
    expect(fresh.memoryLimit).toBe(later.memoryLimit);
    expect(fresh.pids).toBe(later.pids);
    expect(Math.abs(fresh.memoryUsage - later.memoryUsage)).toBeLessThan(1024 * 1024);
    files.close();
    expect(openFds()).toBe(before);
  });

  it('read a stopped container as gone, once later readings no longer ask whose the pid is', async () => {
    const id = await startSleeper('cgroup-kept-stop');
    const view = await inspectContainer(docker, id);
    const location = locateCgroup(view.id, view.state.pid);
    if (!location) throw new Error('no cgroup found');
    const files = new CgroupFiles(location);
    // The first reading checks the owner of the pid; the second relies on the held files.
    expect(files.read()).toBeTruthy();
    expect(files.read()).toBeTruthy();
    await stopContainer(docker, id, { timeoutSeconds: 0 });
    expect(files.read()).toBeNull();
    files.close();
  });

  it('read a restarted container as gone, though its files stay open, and close them all', async () => {
    const id = await startSleeper('cgroup-kept');
    const view = await inspectContainer(docker, id);
    const location = locateCgroup(view.id, view.state.pid);
    if (!location) throw new Error('no cgroup found');
    const before = openFds();
    const files = new CgroupFiles(location);
    expect(files.read()).toBeTruthy();
    await restartContainer(docker, id, { timeoutSeconds: 0 });
    const again = await inspectContainer(docker, id);
    expect(again.state.pid).not.toBe(view.state.pid);
    // The kept /proc files are the old process's: gone with it, whatever has its pid now.
    expect(files.read()).toBeNull();
    files.close();
    expect(openFds()).toBe(before);
    // Located again, the new process reads.
    const moved = locateCgroup(again.id, again.state.pid);
    if (!moved) throw new Error('the restarted container not found');
    const movedFiles = new CgroupFiles(moved);
    expect(movedFiles.read()).toBeTruthy();
    movedFiles.close();
  });
});

describe('the stats collector', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
  });

  afterAll(async () => {
    await t.destroy();
  });

  it('samples from the files where they can be read, and asks Docker where they cannot', async () => {
    const logger = createLogger('silent');
    const options = { intervalMs: 60_000, concurrency: 4, logger };
    const local = new StatsCollector(t.db, docker, {
      ...options,
      cgroups: { proc: '/proc', cgroup: '/sys/fs/cgroup' },
    });
    // A /proc where no container's process is: every container goes to Docker.
    const remote = new StatsCollector(t.db, docker, {
      ...options,
      cgroups: { proc: '/nonexistent', cgroup: '/sys/fs/cgroup' },
    });
    const viaFiles = await local.sampleContainer('pod_cgroup', busy);
    const viaDocker = await remote.sampleContainer('pod_cgroup', busy);
    expect(viaFiles?.source).toBe('cgroup');
    expect(viaDocker?.source).toBe('docker');
    expect(viaFiles?.sample.usage.memoryLimitBytes).toBe(MEMORY);
    expect(viaDocker?.sample.usage.memoryLimitBytes).toBe(MEMORY);
  });
});
