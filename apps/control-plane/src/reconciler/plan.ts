import type { PodSpec } from './spec.js';

/** What the reconciler wants: read from the pod row, rendered by its adapter. */
export interface DesiredPod {
  deleting: boolean;
  purge: boolean;
  power: 'running' | 'stopped';
  /** The container must have started after this. */
  restartRequestedAt: Date | null;
  /** Null while deleting: nothing is rendered for a pod on its way out. */
  spec: PodSpec | null;
  /** Crash-loop back-off (crash-loop.ts): AgentPod holds the restarts, and is waiting. */
  backOff?: { holdRestarts: boolean; waiting: boolean };
}

/** What Docker (and the prober) reported for the pod's objects. */
export interface ObservedPod {
  volumeExists: boolean;
  container: {
    id: string;
    running: boolean;
    specHash: string | null;
    startedAt: Date | null;
    /** Docker's restart policy on the container (absent: the spec's `unless-stopped`). */
    restartPolicy?: string;
    /** False: attached elsewhere (a pod's own network from before, a manual disconnect). */
    onPodNetwork?: boolean;
  } | null;
  /** From the health prober; 'unhealthy' means its failure threshold was crossed. */
  health: 'unknown' | 'healthy' | 'unhealthy';
}

export type Action =
  | { type: 'ensureVolume' }
  /** Have the pinned image locally (pulling it if needed) before anything is replaced. */
  | { type: 'ensureImage' }
  | { type: 'createContainer' }
  /** `completesRestart`: a requested restart was cut short after its stop; this start ends it. */
  | { type: 'startContainer'; completesRestart?: true }
  | { type: 'stopContainer' }
  | { type: 'restartContainer'; reason: 'requested' | 'unhealthy' }
  /** Crash-loop back-off: `no` while AgentPod holds the restarts, `unless-stopped` after. */
  | { type: 'setRestartPolicy'; policy: 'no' | 'unless-stopped' }
  | { type: 'removeContainer'; reason: 'specChanged' | 'deleting' }
  | { type: 'removeVolume' }
  | { type: 'finishDeletion' };

/**
 * The whole decision of a reconcile, as a pure function: the same desired and observed state
 * always give the same actions, in the order they must run. It never looks at what woke it.
 */
export function plan(desired: DesiredPod, observed: ObservedPod): Action[] {
  const { container } = observed;
  if (desired.deleting) {
    return [
      ...(container ? [{ type: 'removeContainer', reason: 'deleting' } as const] : []),
      ...(desired.purge && observed.volumeExists ? [{ type: 'removeVolume' } as const] : []),
      { type: 'finishDeletion' },
    ];
  }
  if (desired.power === 'stopped') {
    return container?.running ? [{ type: 'stopContainer' }] : [];
  }

  const spec = desired.spec;
  if (!spec) throw new Error('a pod that is not being deleted needs a rendered spec');
  const actions: Action[] = [];
  if (!observed.volumeExists) actions.push({ type: 'ensureVolume' });

  if (!container || container.specHash !== spec.hash || container.onPodNetwork === false) {
    // The image first: a pull that fails must leave the old container running.
    actions.push({ type: 'ensureImage' });
    if (container) actions.push({ type: 'removeContainer', reason: 'specChanged' });
    actions.push({ type: 'createContainer' }, { type: 'startContainer' });
    return actions;
  }
  const hold = desired.backOff?.holdRestarts ?? false;
  const policy = container.restartPolicy ?? 'unless-stopped';
  if (hold && policy !== 'no') actions.push({ type: 'setRestartPolicy', policy: 'no' });
  if (!hold && policy === 'no')
    actions.push({ type: 'setRestartPolicy', policy: 'unless-stopped' });
  const requested = desired.restartRequestedAt;
  const restartPending = !!requested && (!container.startedAt || container.startedAt < requested);
  if (!container.running) {
    // A crash-looping agent waits out its back-off: never a hot loop of starts.
    if (desired.backOff?.waiting) return actions;
    actions.push(
      restartPending
        ? { type: 'startContainer', completesRestart: true }
        : { type: 'startContainer' },
    );
    return actions;
  }
  if (restartPending) {
    actions.push({ type: 'restartContainer', reason: 'requested' });
  } else if (observed.health === 'unhealthy') {
    actions.push({ type: 'restartContainer', reason: 'unhealthy' });
  }
  return actions;
}
