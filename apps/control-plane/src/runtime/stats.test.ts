import { describe, expect, it } from 'vitest';
import { computeUsage, type DockerStatsJson } from './stats.js';

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
      readAt: new Date('2026-11-28T10:00:02.000Z'),
    });
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

  it('reports zeros for a stopped container rather than NaN', () => {
    const usage = computeUsage({ read: '0001-01-01T00:00:00Z', precpu_stats: {}, cpu_stats: {} });
    expect(usage).toMatchObject({
      cpuPercent: 0,
      memoryBytes: 0,
      memoryLimitBytes: 0,
      pids: 0,
      networkRxBytes: 0,
      networkTxBytes: 0,
    });
  });
});
