// Disk usage of every running pod's state volume, on a slow timer of its own, with a warning
// event when one crosses the alert threshold. Walked here when the volumes' folders are on this
// machine (disk-usage.ts), else measured by `du` in the pod. The local volume driver has no
// size limit (that needs XFS project quotas), so an alert is what AgentPod can give.
import pLimit from 'p-limit';
import type { Database } from '../db/client.js';
import { recordEvent } from '../db/queries/events.js';
import { listVolumesToMeasure, recordVolumeUsage, type VolumeSample } from '../db/queries/usage.js';
import { type Logger, LoopLog } from '../logger.js';
import { volumeName } from '../reconciler/names.js';
import {
  DockerConflictError,
  type DockerHost,
  DockerNotFoundError,
  execInContainer,
  LABEL_INSTALLATION,
  listContainers,
} from '../runtime/index.js';
import { canWalk, diskUsage } from './disk-usage.js';

export interface VolumeUsageOptions {
  intervalMs: number;
  /** DiskUsageHigh at or above this; cleared below CLEAR_RATIO of it, so it cannot flap. */
  alertBytes: number;
  installationId: string;
  /**
   * Volumes are walked in this process when Docker is on this machine and their folders are
   * readable here (disk-usage.ts); else `du` runs in the pods themselves. A few at a time, each
   * given up after timeoutSeconds.
   */
  concurrency: number;
  timeoutSeconds: number;
  logger: Logger;
  /** Docker is on this machine: its volumes' folders may be readable here. */
  local?: boolean;
}

const CLEAR_RATIO = 0.9;

export type VolumeAlertChange = 'raised' | 'cleared' | null;

/** Pure: whether the volume is over its threshold now, and whether that changed. */
export function volumeAlert(
  wasHigh: boolean,
  bytes: number,
  alertBytes: number,
): { high: boolean; change: VolumeAlertChange } {
  if (!wasHigh && bytes >= alertBytes) return { high: true, change: 'raised' };
  if (wasHigh && bytes < alertBytes * CLEAR_RATIO) return { high: false, change: 'cleared' };
  return { high: wasHigh, change: null };
}

/** `du -sk` output -> bytes; null when it printed no total (du missing, killed). */
export function parseDuTotal(stdout: string): number | null {
  const match = /^(\d+)\s/m.exec(stdout);
  return match ? Number(match[1]) * 1024 : null;
}

export class VolumeUsageMonitor {
  private timer: NodeJS.Timeout | undefined;
  private measuring: Promise<unknown> | undefined;
  private readonly log: LoopLog;
  /** Pods whose image cannot measure (no `du`): logged once, not at every pass. */
  private readonly unmeasurable = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly docker: DockerHost,
    private readonly opts: VolumeUsageOptions,
  ) {
    this.log = new LoopLog(opts.logger, 'volume usage');
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.measuring) return;
      this.measuring = this.measure()
        .then(
          () => this.log.succeeded(),
          (err: unknown) => this.log.failed(err),
        )
        .finally(() => {
          this.measuring = undefined;
        });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.measuring;
  }

  /** One pass: how many volumes were measured. */
  async measure(): Promise<number> {
    const targets = await listVolumesToMeasure(this.db);
    if (targets.length === 0) return 0;
    // One listing gives every container's mounts: where each pod's volume is, with no inspect.
    const containers = new Map(
      (await listContainers(this.docker, { [LABEL_INSTALLATION]: this.opts.installationId })).map(
        (c) => [c.id, c],
      ),
    );
    const limit = pLimit(this.opts.concurrency);
    const measured = await Promise.all(
      targets.map((t) =>
        limit(async (): Promise<VolumeSample | null> => {
          const mount = containers
            .get(t.containerId)
            ?.mounts.find((m) => m.name === volumeName(t.podId));
          if (!mount) return null;
          const bytes =
            this.opts.local && canWalk(mount.source)
              ? await diskUsage(mount.source, Date.now() + this.opts.timeoutSeconds * 1000)
              : await this.du(t.podId, t.containerId, mount.destination);
          if (bytes === null) return null;
          const { high } = volumeAlert(t.high ?? false, bytes, this.opts.alertBytes);
          return {
            podId: t.podId,
            containerId: t.containerId,
            volume: { bytes, at: new Date().toISOString(), high },
          };
        }),
      ),
    );
    const samples = measured.filter((s): s is VolumeSample => s !== null);
    // Status first: if the events below were lost, the next pass does not repeat them.
    await recordVolumeUsage(this.db, samples);
    const before = new Map(targets.map((t) => [t.podId, t.high ?? false]));
    for (const s of samples) {
      const { change } = volumeAlert(
        before.get(s.podId) ?? false,
        s.volume.bytes,
        this.opts.alertBytes,
      );
      if (change === 'raised') {
        await recordEvent(this.db, {
          podId: s.podId,
          type: 'warning',
          reason: 'DiskUsageHigh',
          message: `the state volume uses ${mib(s.volume.bytes)}, at or over the ${mib(this.opts.alertBytes)} alert (AGENTPOD_VOLUME_ALERT_MB); nothing limits it, free space or move the pod`,
        });
      } else if (change === 'cleared') {
        this.opts.logger.info(
          { podId: s.podId, bytes: s.volume.bytes },
          'state volume usage is back under the alert threshold',
        );
      }
    }
    return samples.length;
  }

  private async du(podId: string, containerId: string, path: string): Promise<number | null> {
    const seconds = this.opts.timeoutSeconds;
    let result: Awaited<ReturnType<typeof execInContainer>>;
    try {
      // `timeout` kills du inside the pod: an exec cannot be killed through the Engine API.
      // -x: only the volume itself, never a mount below it.
      result = await execInContainer(
        this.docker,
        containerId,
        ['timeout', '-s', 'KILL', String(seconds), 'du', '-sk', '-x', path],
        { timeoutMs: (seconds + 5) * 1000 },
      );
    } catch (err) {
      // Removed (404) or stopped (409) since the list was read: its reconcile updates the status.
      if (err instanceof DockerNotFoundError || err instanceof DockerConflictError) return null;
      throw err;
    }
    // A folder the agent's user cannot read makes du exit 1 with a total of the rest: keep it.
    const bytes = parseDuTotal(result.stdout);
    if (bytes === null && !this.unmeasurable.has(podId)) {
      this.unmeasurable.add(podId);
      this.opts.logger.warn(
        { podId, exitCode: result.exitCode, stderr: result.stderr.slice(0, 200) },
        'cannot measure the state volume in this pod (its image needs du and timeout)',
      );
    }
    if (bytes !== null) this.unmeasurable.delete(podId);
    return bytes;
  }
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}
