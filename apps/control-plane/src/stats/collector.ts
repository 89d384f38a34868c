// Resource usage of every running pod, sampled on one timer (no timer per pod) with a bounded
// number of Docker calls at a time, into the pod's status and its time series.
import pLimit from 'p-limit';
import type { Database } from '../db/client.js';
import { listPodsToSample, recordUsage, type UsageSample } from '../db/queries/usage.js';
import { type Logger, LoopLog } from '../logger.js';
import {
  type ContainerUsage,
  computeUsage,
  containerStats,
  type DockerHost,
  DockerNotFoundError,
  type DockerStatsJson,
  usageRates,
} from '../runtime/index.js';

export interface StatsCollectorOptions {
  intervalMs: number;
  /**
   * Docker stats calls in flight at once. The daemon answers each one-shot call at its next
   * stats tick (once a second), so the calls wait rather than work: a pass over N pods takes
   * about N / concurrency seconds.
   */
  concurrency: number;
  logger: Logger;
}

interface Previous {
  raw: DockerStatsJson;
  usage: ContainerUsage;
}

export class StatsCollector {
  /** The last sample of each container: the CPU share and the rates compare with it. */
  private readonly previous = new Map<string, Previous>();
  private timer: NodeJS.Timeout | undefined;
  private collecting: Promise<unknown> | undefined;
  private readonly log: LoopLog;

  constructor(
    private readonly db: Database,
    private readonly docker: DockerHost,
    private readonly opts: StatsCollectorOptions,
  ) {
    this.log = new LoopLog(opts.logger, 'stats collection');
  }

  start(): void {
    this.timer = setInterval(() => {
      // A pass that outlasts the interval is not run twice at once: the next tick skips.
      if (this.collecting) return;
      this.collecting = this.collect()
        .then(
          () => this.log.succeeded(),
          (err: unknown) => this.log.failed(err),
        )
        .finally(() => {
          this.collecting = undefined;
        });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.collecting;
  }

  /** One pass over the running pods; returns how many were sampled. */
  async collect(): Promise<number> {
    const targets = await listPodsToSample(this.db);
    const limit = pLimit(this.opts.concurrency);
    const samples = await Promise.all(
      targets.map((t) => limit(() => this.sample(t.podId, t.containerId))),
    );
    const live = new Set(targets.map((t) => t.containerId));
    for (const id of this.previous.keys()) if (!live.has(id)) this.previous.delete(id);
    const taken = samples.filter((s): s is UsageSample => s !== null);
    await recordUsage(this.db, taken);
    return taken.length;
  }

  private async sample(podId: string, containerId: string): Promise<UsageSample | null> {
    let raw: DockerStatsJson;
    try {
      raw = await containerStats(this.docker, containerId);
    } catch (err) {
      // Removed since the list was read (a recreate): its reconcile updates the status.
      if (err instanceof DockerNotFoundError) return null;
      throw err;
    }
    const before = this.previous.get(containerId);
    const usage = computeUsage(raw, before?.raw);
    // A stopped container answers with an empty reading: nothing to record.
    if (usage.readAt.getTime() <= 0 || usage.memoryLimitBytes === 0) return null;
    this.previous.set(containerId, { raw, usage });
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
      rates: usageRates(usage, before?.usage),
    };
  }
}
