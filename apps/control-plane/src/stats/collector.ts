// Resource usage of every running pod, sampled on one timer (no timer per pod), into the pod's
// status and its time series. Read from the containers' cgroup files when the daemon is on this
// machine (runtime/cgroup-usage.ts), else from Docker's stats API, a bounded number at a time.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PodWithStatus } from '@agentpod/shared';
import pLimit from 'p-limit';
import type { Database } from '../db/client.js';
import { listPodsToSample, recordUsage, type UsageSample } from '../db/queries/usage.js';
import { steadySpreadMs } from '../health/prober.js';
import { CapLog, type Logger, LoopLog } from '../logger.js';
import {
  CgroupFiles,
  type CgroupReading,
  type CgroupRoots,
  type ContainerUsage,
  computeUsage,
  containerStats,
  type DockerHost,
  DockerNotFoundError,
  type DockerStatsJson,
  inspectContainer,
  locateCgroup,
  usageFromCgroup,
  usageRates,
} from '../runtime/index.js';

export interface StatsCollectorOptions {
  intervalMs: number;
  /**
   * At most this many readings a second, on average: past `maxPerSecond × intervalMs` running
   * pods a pass comes less often than `intervalMs`, so the cost per second stays bounded.
   */
  maxPerSecond?: number;
  /**
   * Docker stats calls in flight at once. The daemon answers each one-shot call at its next
   * stats tick (once a second), so the calls wait rather than work: a pass over N pods takes
   * about N / concurrency seconds.
   */
  concurrency: number;
  logger: Logger;
  /** Where the host's /proc and cgroup mount are; unset when Docker is on another machine. */
  cgroups?: CgroupRoots;
  /**
   * The running pods from memory (the pod cache); null while it is not current, and unset: the
   * database is asked each pass (`listPodsToSample`).
   */
  targets?: () => SampleTarget[] | null;
}

/** A running pod's container, to be read. */
export interface SampleTarget {
  podId: string;
  containerId: string;
}

/** The pods `listPodsToSample` finds, from pods held in memory: running, with a container. */
export function sampleTargetsOf(pods: readonly PodWithStatus[]): SampleTarget[] {
  const targets: SampleTarget[] = [];
  for (const p of pods) {
    const { phase, containerId } = p.status;
    if (p.deletedAt || p.desiredState !== 'running' || phase !== 'running' || !containerId)
      continue;
    targets.push({ podId: p.id, containerId });
  }
  return targets;
}

/** The last sample of a container, from whichever source gave it. */
type Previous =
  | { source: 'docker'; raw: DockerStatsJson; usage: ContainerUsage }
  | { source: 'cgroup'; reading: CgroupReading; usage: ContainerUsage };

/** Containers read from files between two yields to the event loop (a read is ~100 µs). */
const CGROUP_BATCH = 64;

export class StatsCollector {
  /** The last sample of each container: the CPU share and the rates compare with it. */
  private readonly previous = new Map<string, Previous>();
  /** Each container's counter files, kept open; null: not readable from here, ask Docker. */
  private readonly located = new Map<string, CgroupFiles | null>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Readings the last pass took: the next pass's spacing follows from it. */
  private pods = 0;
  private collecting: Promise<unknown> | undefined;
  private readonly log: LoopLog;
  private readonly capLog: CapLog;

  constructor(
    private readonly db: Database,
    private readonly docker: DockerHost,
    private readonly opts: StatsCollectorOptions,
  ) {
    this.log = new LoopLog(opts.logger, 'stats collection');
    this.capLog = new CapLog(opts.logger, {
      stretched:
        'stats passes spaced out past their interval, to keep to AGENTPOD_STATS_READINGS_PER_SECOND',
      back: 'stats passes back at their interval',
    });
  }

  start(): void {
    this.stopped = false;
    this.next(this.opts.intervalMs);
  }

  /**
   * The next pass in `delayMs`. Each pass sets the one after it, from its own start: never two
   * at once, and a larger fleet spaces them out (`maxPerSecond`).
   */
  private next(delayMs: number): void {
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.collecting = this.collect()
        .then(
          (taken) => {
            this.log.succeeded();
            this.pods = taken;
          },
          (err: unknown) => this.log.failed(err),
        )
        .finally(() => {
          this.collecting = undefined;
          if (this.stopped) return;
          const every = this.intervalMsFor(this.pods);
          this.capLog.observe(every > this.opts.intervalMs, {
            pods: this.pods,
            everyMs: every,
            maxPerSecond: this.opts.maxPerSecond,
          });
          this.next(Math.max(0, every - (Date.now() - started)));
        });
    }, delayMs);
    this.timer.unref();
  }

  /** The time from one pass's start to the next's, for a pass that took `pods` readings. */
  intervalMsFor(pods: number): number {
    return Math.max(this.opts.intervalMs, steadySpreadMs(pods, this.opts.maxPerSecond));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.collecting;
    for (const files of this.located.values()) files?.close();
    this.located.clear();
  }

  /** One pass over the running pods; returns how many were sampled. */
  async collect(): Promise<number> {
    const targets = this.opts.targets?.() ?? (await listPodsToSample(this.db));
    const samples: (UsageSample | null)[] = [];
    const viaDocker: typeof targets = [];
    for (const [i, t] of targets.entries()) {
      if (i > 0 && i % CGROUP_BATCH === 0) await yieldToLoop();
      const local = await this.fromCgroup(t.podId, t.containerId);
      if (local === undefined) viaDocker.push(t);
      else samples.push(local);
    }
    const limit = pLimit(this.opts.concurrency);
    samples.push(
      ...(await Promise.all(
        viaDocker.map((t) => limit(() => this.fromDocker(t.podId, t.containerId))),
      )),
    );
    const live = new Set(targets.map((t) => t.containerId));
    for (const id of this.previous.keys()) if (!live.has(id)) this.previous.delete(id);
    for (const [id, files] of this.located) {
      if (live.has(id)) continue;
      files?.close();
      this.located.delete(id);
    }
    const taken = samples.filter((s): s is UsageSample => s !== null);
    await recordUsage(this.db, taken);
    return taken.length;
  }

  /** One container's sample and where it came from (collect() does the same in batches). */
  async sampleContainer(
    podId: string,
    containerId: string,
  ): Promise<{ source: Previous['source']; sample: UsageSample } | null> {
    const local = await this.fromCgroup(podId, containerId);
    if (local !== undefined) return local && { source: 'cgroup', sample: local };
    const remote = await this.fromDocker(podId, containerId);
    return remote && { source: 'docker', sample: remote };
  }

  /**
   * From the container's cgroup files: a sample, null (not running: nothing to record), or
   * undefined when the files cannot be read from here (Docker is asked instead).
   */
  private async fromCgroup(
    podId: string,
    containerId: string,
  ): Promise<UsageSample | null | undefined> {
    const roots = this.opts.cgroups;
    if (!roots) return undefined;
    let files = this.located.get(containerId);
    if (files === null) return undefined;
    let reading = files ? files.read() : null;
    if (!reading) {
      // New to us, or restarted (another init process): one inspect finds its process.
      files?.close();
      this.located.delete(containerId);
      let pid: number;
      try {
        const view = await inspectContainer(this.docker, containerId);
        if (!view.state.running) return null;
        pid = view.state.pid;
      } catch (err) {
        if (err instanceof DockerNotFoundError) return null;
        throw err;
      }
      const location = locateCgroup(containerId, pid, roots);
      files = location && new CgroupFiles(location, roots);
      // Another reading of this container (sampleContainer) may have located it meanwhile.
      this.located.get(containerId)?.close();
      this.located.set(containerId, files);
      if (!files) {
        this.opts.logger.debug(
          { containerId },
          'cgroup files not readable here: using Docker stats',
        );
        return undefined;
      }
      reading = files.read();
      if (!reading) return null;
    }
    const before = this.previous.get(containerId);
    const usage = usageFromCgroup(
      reading,
      before?.source === 'cgroup' ? before.reading : undefined,
    );
    this.previous.set(containerId, { source: 'cgroup', reading, usage });
    return toSample(podId, usage, before?.usage);
  }

  private async fromDocker(podId: string, containerId: string): Promise<UsageSample | null> {
    let raw: DockerStatsJson;
    try {
      raw = await containerStats(this.docker, containerId);
    } catch (err) {
      // Removed since the list was read (a recreate): its reconcile updates the status.
      if (err instanceof DockerNotFoundError) return null;
      throw err;
    }
    const before = this.previous.get(containerId);
    const usage = computeUsage(raw, before?.source === 'docker' ? before.raw : undefined);
    // A stopped container answers with an empty reading: nothing to record.
    if (usage.readAt.getTime() <= 0 || usage.memoryLimitBytes === 0) return null;
    this.previous.set(containerId, { source: 'docker', raw, usage });
    return toSample(podId, usage, before?.usage);
  }
}

function toSample(
  podId: string,
  usage: ContainerUsage,
  before: ContainerUsage | undefined,
): UsageSample {
  return {
    podId,
    usage: {
      at: usage.readAt.toISOString(),
      cpuPercent: usage.cpuPercent,
      memoryBytes: usage.memoryBytes,
      memoryLimitBytes: usage.memoryLimitBytes,
      pids: usage.pids,
      networkRxBytes: usage.networkRxBytes,
      networkTxBytes: usage.networkTxBytes,
      blockReadBytes: usage.blockReadBytes,
      blockWriteBytes: usage.blockWriteBytes,
    },
    rates: usageRates(usage, before),
  };
}
