// Resource usage of one container, computed the way `docker stats` does, so the numbers the
// dashboard shows match what an operator sees on the host.
import { type DockerHost, withSignal } from './host.js';

export interface ContainerUsage {
  /** 100 = one full CPU core. */
  cpuPercent: number;
  /** Usage minus reclaimable page cache (inactive file pages), like `docker stats`. */
  memoryBytes: number;
  memoryLimitBytes: number;
  pids: number;
  networkRxBytes: number;
  networkTxBytes: number;
  readAt: Date;
}

interface CpuSample {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** The parts of Docker's stats JSON we read. A stopped container leaves most of it out. */
export interface DockerStatsJson {
  read: string;
  cpu_stats?: CpuSample;
  precpu_stats?: CpuSample;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

export function computeUsage(stats: DockerStatsJson): ContainerUsage {
  const cpu = stats.cpu_stats ?? {};
  const pre = stats.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const onlineCpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuPercent =
    cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * onlineCpus * 100 : 0;

  const memory = stats.memory_stats ?? {};
  const usage = memory.usage ?? 0;
  // cgroup v1 reports total_inactive_file, v2 inactive_file; the CLI subtracts whichever exists
  // (when it is below usage).
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const memoryBytes = inactive < usage ? usage - inactive : usage;

  let networkRxBytes = 0;
  let networkTxBytes = 0;
  for (const net of Object.values(stats.networks ?? {})) {
    networkRxBytes += net.rx_bytes ?? 0;
    networkTxBytes += net.tx_bytes ?? 0;
  }
  return {
    cpuPercent,
    memoryBytes,
    memoryLimitBytes: memory.limit ?? 0,
    pids: stats.pids_stats?.current ?? 0,
    networkRxBytes,
    networkTxBytes,
    readAt: new Date(stats.read),
  };
}

/**
 * One sample. With `stream: false` the daemon waits for a second reading so the CPU delta is
 * real; expect it to take about a second or two.
 */
export async function containerStats(host: DockerHost, id: string): Promise<ContainerUsage> {
  const stats = await host.call(
    'container.stats',
    (signal) => host.docker.getContainer(id).stats(withSignal({ stream: false }, signal)),
    host.timeoutMs + 5_000,
  );
  return computeUsage(stats as unknown as DockerStatsJson);
}
