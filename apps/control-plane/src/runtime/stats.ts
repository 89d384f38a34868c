// Resource usage of one container, computed the way `docker stats` does, so the numbers the
// dashboard shows match what an operator sees on the host. Samples are one-shot (the daemon
// answers at once instead of waiting a second for a second reading), so the CPU share comes
// from the caller's previous sample of the same container.
import { type DockerHost, withSignal } from './host.js';

export interface ContainerUsage {
  /** 100 = one full CPU core; null without an earlier reading to compare with. */
  cpuPercent: number | null;
  /** Usage minus reclaimable page cache (inactive file pages), like `docker stats`. */
  memoryBytes: number;
  memoryLimitBytes: number;
  pids: number;
  /** Totals since the container started. */
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
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
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
}

/** Memory use as `docker stats` shows it: the usage minus inactive file pages, when below it. */
export function memoryInUse(usage: number, inactiveFile: number): number {
  return inactiveFile < usage ? usage - inactiveFile : usage;
}

function cpuPercent(cpu: CpuSample, pre: CpuSample | undefined): number | null {
  if (!pre?.system_cpu_usage) return null;
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - pre.system_cpu_usage;
  const onlineCpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  if (systemDelta <= 0) return null;
  // A restarted container's counter starts again from zero: no share to report then.
  return cpuDelta >= 0 ? (cpuDelta / systemDelta) * onlineCpus * 100 : null;
}

/**
 * The usage in `stats`. The CPU share compares it with Docker's own earlier reading when the
 * daemon took one (`precpu_stats`), else with `previous`, the caller's last sample.
 */
export function computeUsage(stats: DockerStatsJson, previous?: DockerStatsJson): ContainerUsage {
  const cpu = stats.cpu_stats ?? {};
  const pre = stats.precpu_stats?.system_cpu_usage ? stats.precpu_stats : previous?.cpu_stats;

  const memory = stats.memory_stats ?? {};
  const usage = memory.usage ?? 0;
  // cgroup v1 reports total_inactive_file, v2 inactive_file; the CLI subtracts whichever exists
  // (when it is below usage).
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const memoryBytes = memoryInUse(usage, inactive);

  let networkRxBytes = 0;
  let networkTxBytes = 0;
  for (const net of Object.values(stats.networks ?? {})) {
    networkRxBytes += net.rx_bytes ?? 0;
    networkTxBytes += net.tx_bytes ?? 0;
  }
  // cgroup v1 says Read/Write, v2 read/write.
  let blockReadBytes = 0;
  let blockWriteBytes = 0;
  for (const io of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = io.op?.toLowerCase();
    if (op === 'read') blockReadBytes += io.value ?? 0;
    else if (op === 'write') blockWriteBytes += io.value ?? 0;
  }
  return {
    cpuPercent: cpuPercent(cpu, pre),
    memoryBytes,
    memoryLimitBytes: memory.limit ?? 0,
    pids: stats.pids_stats?.current ?? 0,
    networkRxBytes,
    networkTxBytes,
    blockReadBytes,
    blockWriteBytes,
    readAt: new Date(stats.read),
  };
}

export interface UsageRates {
  networkRxBytesPerSecond: number;
  networkTxBytesPerSecond: number;
  blockReadBytesPerSecond: number;
  blockWriteBytesPerSecond: number;
}

/** Per-second rates between two samples of one container; zero where a counter went back. */
export function usageRates(
  current: ContainerUsage,
  previous: ContainerUsage | undefined,
): UsageRates {
  const seconds = previous ? (current.readAt.getTime() - previous.readAt.getTime()) / 1000 : 0;
  const rate = (now: number, before: number | undefined) =>
    seconds > 0 && before !== undefined && now >= before ? (now - before) / seconds : 0;
  return {
    networkRxBytesPerSecond: rate(current.networkRxBytes, previous?.networkRxBytes),
    networkTxBytesPerSecond: rate(current.networkTxBytes, previous?.networkTxBytes),
    blockReadBytesPerSecond: rate(current.blockReadBytes, previous?.blockReadBytes),
    blockWriteBytesPerSecond: rate(current.blockWriteBytes, previous?.blockWriteBytes),
  };
}

/** One reading, at once (`one-shot`: no second reading, so no CPU share of its own). */
export async function containerStats(host: DockerHost, id: string): Promise<DockerStatsJson> {
  const stats = await host.call('container.stats', (signal) =>
    host.docker.getContainer(id).stats(withSignal({ stream: false, 'one-shot': true }, signal)),
  );
  return stats as unknown as DockerStatsJson;
}
