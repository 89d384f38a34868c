import { describe, expect, it } from 'vitest';
import { computeUsage, type DockerStatsJson, usageRates } from './stats.js';

/** Trimmed from a Docker 20.10 `stats?stream=false` answer on cgroup v1. */
const sample: DockerStatsJson = {
  read: '2026-11-28T10:00:02.000000001Z',
  cpu_stats: {
    cpu_usage: { total_usage: 400_000_000, percpu_usage: [250_000_000, 150_000_000] },
    system_cpu_usage: 20_000_000_000_000,
    online_cpus: 2,
  },
  precpu_stats: {
    cpu_usage: { total_usage: 200_000_000, percpu_usage: [120_000_000, 80_000_000] },
    system_cpu_usage: 19_998_000_000_000,
    online_cpus: 2,
  },
  memory_stats: {
    usage: 104_857_600,
    limit: 536_870_912,
    stats: { cache: 31_457_280, total_inactive_file: 20_971_520, inactive_file: 20_971_520 },
  },
  pids_stats: { current: 7 },
  networks: {
    eth0: { rx_bytes: 1_000, tx_bytes: 200 },
    eth1: { rx_bytes: 50, tx_bytes: 5 },
  },
  blkio_stats: {
    io_service_bytes_recursive: [
      { op: 'Read', value: 4_096 },
      { op: 'Write', value: 8_192 },
      { op: 'Total', value: 12_288 },
    ],
  },
};

describe('computeUsage', () => {
  it('computes the numbers docker stats shows', () => {
    expect(computeUsage(sample)).toEqual({
      cpuPercent: 20, // 0.2e9 / 2e9 * 2 cpus * 100
      memoryBytes: 83_886_080, // 100 MiB - 20 MiB inactive file pages
      memoryLimitBytes: 536_870_912,
      pids: 7,
      networkRxBytes: 1_050,
      networkTxBytes: 205,
      blockReadBytes: 4_096,
      blockWriteBytes: 8_192,
      readAt: new Date('2026-11-28T10:00:02.000Z'),
    });
  });

  it("takes the CPU share from the caller's previous sample when the daemon took none (one-shot)", () => {
    const oneShot = { ...sample, precpu_stats: {} };
    expect(computeUsage(oneShot).cpuPercent).toBeNull();
    const earlier = { ...sample, cpu_stats: sample.precpu_stats };
    expect(computeUsage(oneShot, earlier).cpuPercent).toBe(20);
    // The container restarted in between: its counter went back, no share to report.
    const restarted = {
      ...sample,
      cpu_stats: { ...sample.cpu_stats, cpu_usage: { total_usage: 1 } },
    };
    expect(computeUsage({ ...restarted, precpu_stats: {} }, earlier).cpuPercent).toBeNull();
  });

  it('reads cgroup v2 block I/O and turns counters into rates, never negative', () => {
    const v2 = computeUsage({
      ...sample,
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'read', value: 10 },
          { op: 'write', value: 20 },
        ],
      },
    });
    expect([v2.blockReadBytes, v2.blockWriteBytes]).toEqual([10, 20]);
    const before = computeUsage(sample);
    const later = {
      ...before,
      readAt: new Date(before.readAt.getTime() + 2_000),
      networkRxBytes: 3_050,
      blockWriteBytes: 0,
    };
    expect(usageRates(later, before)).toEqual({
      networkRxBytesPerSecond: 1_000,
      networkTxBytesPerSecond: 0,
      blockReadBytesPerSecond: 0,
      blockWriteBytesPerSecond: 0,
    });
    expect(usageRates(later, undefined).networkRxBytesPerSecond).toBe(0);
  });

  it('uses cgroup v2 inactive_file and counts CPUs when online_cpus is missing', () => {
    const usage = computeUsage({
      ...sample,
      cpu_stats: { ...sample.cpu_stats, online_cpus: 0 },
      memory_stats: { usage: 1_000, limit: 2_000, stats: { inactive_file: 300 } },
    });
    expect(usage.cpuPercent).toBe(20);
    expect(usage.memoryBytes).toBe(700);
  });

  it('reports zeros (and no CPU share) for a stopped container rather than NaN', () => {
    const usage = computeUsage({ read: '0001-01-01T00:00:00Z', precpu_stats: {}, cpu_stats: {} });
    expect(usage).toMatchObject({
      cpuPercent: null,
      memoryBytes: 0,
      memoryLimitBytes: 0,
      pids: 0,
      networkRxBytes: 0,
      networkTxBytes: 0,
    });
  });
});
