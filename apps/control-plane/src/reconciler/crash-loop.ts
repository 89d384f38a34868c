// Crash-loop back-off (kubelet's CrashLoopBackOff, small). Docker's restart policy
// (`unless-stopped`) restarts a crashed agent at once, which keeps a pod alive while the control
// plane is down; but an agent that dies at every start would then be restarted by Docker with
// only its own short delays (100 ms doubling, measured: 0.5, 0.7, 1.2, 2.0, 4.0, 6.7, 13, 26 s).
// From the second unexpected exit within the reset window AgentPod takes the restarts over: the
// container's policy becomes `no` and the reconciler starts it after base * 2^(crashes-2),
// capped; once it has run fine for twice the cap, the count is forgotten and Docker's policy
// comes back. The count lives in memory, like kubelet's: a new control plane starts afresh.

export interface CrashLoopOptions {
  baseMs: number;
  maxMs: number;
}

/** What the reconciler should do about a pod's restarts right now. */
export interface CrashLoopState {
  /** Unexpected exits since the pod last ran fine. */
  crashes: number;
  /** AgentPod, not Docker, restarts it: the container's restart policy must be `no`. */
  holdRestarts: boolean;
  /** While set and in the future, a stopped container must not be started. */
  backOffUntil: Date | null;
  /** The delay of the current back-off (for messages). */
  delayMs: number;
  /** True when this observation found a new crash (record it once). */
  newCrash: boolean;
}

/** The container as the reconcile saw it, before acting. */
export interface CrashObservation {
  id: string;
  running: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface PodRecord {
  containerId: string;
  /** The last finish time seen: a different one is a new exit. */
  finishedAt: number | null;
  crashes: number;
  lastCrashAt: number;
  /** The next exit seen is not counted (set when Docker was away: see `dockerWasAway`). */
  uncounted?: boolean;
}

export class CrashLoopTracker {
  private readonly pods = new Map<string, PodRecord>();

  constructor(private readonly opts: CrashLoopOptions) {}

  /** Running fine for this long forgives every earlier crash (kubelet: twice the cap). */
  get resetAfterMs(): number {
    return 2 * this.opts.maxMs;
  }

  delayFor(crashes: number): number {
    return Math.min(this.opts.baseMs * 2 ** Math.max(0, crashes - 2), this.opts.maxMs);
  }

  /**
   * Called before planning, for a pod that should be running. A finish time not seen before is
   * a crash, unless the pod's record is new (its history is not news) or `ownExit` said so.
   */
  observe(podId: string, container: CrashObservation | null, now: Date): CrashLoopState {
    if (!container) return this.state(this.pods.get(podId), false, now);
    const finishedAt = container.finishedAt?.getTime() ?? null;
    let record = this.pods.get(podId);
    let newCrash = false;
    if (!record || record.containerId !== container.id) {
      // A container seen for the first time: its past exits are not crashes we saw happen.
      record = {
        containerId: container.id,
        finishedAt,
        crashes: record?.crashes ?? 0,
        lastCrashAt: record?.lastCrashAt ?? 0,
      };
      this.pods.set(podId, record);
    } else if (finishedAt !== null && finishedAt !== record.finishedAt && record.uncounted) {
      record.finishedAt = finishedAt;
      record.uncounted = false;
    } else if (finishedAt !== null && finishedAt !== record.finishedAt) {
      record.finishedAt = finishedAt;
      // Crashes far apart are not a loop: the count starts again.
      if (finishedAt - record.lastCrashAt > this.resetAfterMs) record.crashes = 0;
      record.crashes += 1;
      record.lastCrashAt = finishedAt;
      newCrash = true;
    }
    const startedAt = container.startedAt?.getTime() ?? null;
    const ranFine =
      container.running &&
      startedAt !== null &&
      (finishedAt === null || startedAt > finishedAt) &&
      now.getTime() - startedAt >= this.resetAfterMs;
    if (ranFine && record.crashes > 0) record.crashes = 0;
    return this.state(record, newCrash, now);
  }

  /** Crashes counted and not yet reset: the pod's restarts may still be held (a resync looks). */
  hasCrashes(podId: string): boolean {
    return (this.pods.get(podId)?.crashes ?? 0) > 0;
  }

  /**
   * A container AgentPod has just made: it had not exited then, so its first exit is a crash,
   * even one that came before the reconcile that made it looked again.
   */
  made(podId: string, containerId: string): void {
    const record = this.pods.get(podId);
    this.pods.set(podId, {
      containerId,
      finishedAt: null,
      crashes: record?.crashes ?? 0,
      lastCrashAt: record?.lastCrashAt ?? 0,
    });
  }

  /** An exit AgentPod caused (stop, restart, recreate): seen, not counted. */
  ownExit(podId: string, container: CrashObservation | null): void {
    if (!container) return;
    const record = this.pods.get(podId);
    const finishedAt = container.finishedAt?.getTime() ?? null;
    if (record && record.containerId === container.id) record.finishedAt = finishedAt;
    else
      this.pods.set(podId, {
        containerId: container.id,
        finishedAt,
        crashes: record?.crashes ?? 0,
        lastCrashAt: record?.lastCrashAt ?? 0,
      });
  }

  /**
   * The daemon restarted or was away: it stops every container when it shuts down, and those
   * exits are not the agents crashing. The next exit of each pod is seen, not counted.
   */
  dockerWasAway(): void {
    for (const record of this.pods.values()) record.uncounted = true;
  }

  /** A pod that is stopped or deleted starts afresh when it runs again. */
  forget(podId: string): void {
    this.pods.delete(podId);
  }

  private state(record: PodRecord | undefined, newCrash: boolean, now: Date): CrashLoopState {
    const crashes = record?.crashes ?? 0;
    const holdRestarts = crashes >= 2;
    const delayMs = holdRestarts ? this.delayFor(crashes) : 0;
    const until = holdRestarts && record ? record.lastCrashAt + delayMs : null;
    return {
      crashes,
      holdRestarts,
      backOffUntil: until !== null && until > now.getTime() ? new Date(until) : null,
      delayMs,
      newCrash,
    };
  }
}

/** kubelet's words, which operators already know. */
export function backOffMessage(delayMs: number): string {
  return `back-off ${Math.round(delayMs / 1000)}s restarting failed container`;
}
