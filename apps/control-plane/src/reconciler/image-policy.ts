// When to pull a pod's image again after a failure: a pure decision over the pull state kept
// in the pod's status (so a restart of the control plane neither forgets a give-up nor retries
// at once). Like kubelet's image pull back-off: a registry that cannot be reached is tried
// again with a capped exponential delay for as long as it takes; a name that does not exist or
// credentials that are refused give up after a few attempts, because retrying cannot fix them.
// Any write to the pod (a new generation) or to the registry credentials starts over.
import type { ImagePull, ImagePullFailure, ImagePullProgress } from '@agentpod/shared';

export interface PullPolicy {
  baseMs: number;
  maxMs: number;
  /** Attempts before giving up on a failure that retrying cannot fix. */
  permanentAttempts: number;
}

export const DEFAULT_PULL_POLICY: PullPolicy = {
  baseMs: 10_000,
  maxMs: 300_000,
  permanentAttempts: 3,
};

const PERMANENT: readonly ImagePullFailure[] = ['not_found', 'unauthorized'];

export type PullGate = { go: true } | { go: false; retryInMs: number | null };

/** May a pull start now? `retryInMs: null` means it gave up: only a change to the pod helps. */
export function pullGate(pull: ImagePull | null, generation: number, now: number): PullGate {
  // A pull "under way" in the stored status was cut short by a crash: start it again.
  if (!pull || pull.generation !== generation || pull.state === 'pulling') return { go: true };
  if (pull.state === 'failed') return { go: false, retryInMs: null };
  const due = pull.nextAttemptAt ? Date.parse(pull.nextAttemptAt) : now;
  return due <= now ? { go: true } : { go: false, retryInMs: due - now };
}

function attemptsSoFar(pull: ImagePull | null, generation: number): number {
  return pull && pull.generation === generation ? pull.attempts : 0;
}

export function pullStarted(
  previous: ImagePull | null,
  generation: number,
  progress: ImagePullProgress | null = null,
): ImagePull {
  return {
    state: 'pulling',
    attempts: attemptsSoFar(previous, generation),
    reason: previous?.generation === generation ? previous.reason : null,
    message: previous?.generation === generation ? previous.message : null,
    nextAttemptAt: null,
    progress,
    generation,
  };
}

/** The state after a failed attempt: back off, or give up. */
export function pullFailed(
  previous: ImagePull | null,
  failure: { reason: ImagePullFailure; message: string },
  generation: number,
  now: number,
  policy: PullPolicy = DEFAULT_PULL_POLICY,
): ImagePull {
  const attempts = attemptsSoFar(previous, generation) + 1;
  const giveUp = PERMANENT.includes(failure.reason) && attempts >= policy.permanentAttempts;
  const delay = Math.min(policy.baseMs * 2 ** (attempts - 1), policy.maxMs);
  return {
    state: giveUp ? 'failed' : 'backoff',
    attempts,
    reason: failure.reason,
    message: failure.message,
    nextAttemptAt: giveUp ? null : new Date(now + delay).toISOString(),
    progress: null,
    generation,
  };
}
