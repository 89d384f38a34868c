// The `ensureImage` step of a reconcile: the pod's image is present and pinned before any
// container is created from it. Pinning means a tag that moves in the registry (or is pulled
// again by someone else) can never change a pod silently: new containers of the pod come from
// the digest its tag had when it was first pulled or seen.
import type { ImagePull, PodWithStatus } from '@agentpod/shared';
import type { Database } from '../db/client.js';
import { recordEvent } from '../db/queries/events.js';
import { writePodStatus } from '../db/queries/pods.js';
import {
  type DockerHost,
  ImagePullError,
  inspectImage,
  pinnedReference,
} from '../runtime/index.js';
import { type PullPolicy, pullFailed, pullGate, pullStarted } from './image-policy.js';
import type { ImagePuller } from './image-puller.js';

export interface ImageDeps {
  db: Database;
  docker: DockerHost;
  puller: ImagePuller;
  pullPolicy: PullPolicy;
  /** How often pull progress is written to the pod's status. */
  progressIntervalMs: number;
  now?: () => number;
}

/** The image is not there yet: check again in `retryInMs`, or (null) only when the pod changes. */
export class ImageNotReady extends Error {
  constructor(
    message: string,
    readonly retryInMs: number | null,
    /** The stored pull state (backoff or given up). */
    readonly pull: ImagePull | null,
  ) {
    super(message);
    this.name = 'ImageNotReady';
  }
}

/** Makes sure the pod's image is present; returns the pinned reference to create from. */
export async function ensurePodImage(
  deps: ImageDeps,
  pod: PodWithStatus,
  ref: string,
): Promise<string> {
  const { db, docker } = deps;
  const event = (reason: 'ImagePinned' | 'ImagePulling' | 'ImagePulled', message: string) =>
    recordEvent(db, { podId: pod.id, reason, message });
  const known = pod.status.image.ref === ref ? pod.status.image.pinned : null;
  if (known && (await inspectImage(docker, known))) return known;

  // A digest pin is pulled by its digest; a local image id that is gone cannot be, so the tag
  // is looked up again (the only way back for an image that was never in a registry).
  const source = known?.includes('@') ? known : ref;
  if (source === ref) {
    const local = await inspectImage(docker, ref);
    if (local) {
      const pinned = pinnedReference(ref, local);
      await writePodStatus(db, pod.id, { imageRef: ref, imagePinned: pinned, imagePull: null });
      await event('ImagePinned', `${ref} is present on the Docker host; pinned to ${pinned}`);
      return pinned;
    }
  }

  const now = deps.now ?? Date.now;
  const previous = pod.status.image.pull;
  const gate = pullGate(previous, pod.generation, now());
  if (!gate.go) {
    const why = previous?.message ? `pulling ${source} failed: ${previous.message}` : '';
    throw new ImageNotReady(why || `waiting to pull ${source}`, gate.retryInMs, previous);
  }

  const startedAt = now();
  await writePodStatus(db, pod.id, {
    // A recreate pulls while the old container still serves: that pod is still running.
    ...(pod.status.phase !== 'running' && { phase: 'pulling' as const }),
    imagePull: pullStarted(previous, pod.generation),
  });
  await event('ImagePulling', `pulling ${source}`);
  let lastWrite = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    await deps.puller.pull(source, (progress) => {
      if (now() - lastWrite < deps.progressIntervalMs) return;
      lastWrite = now();
      // Progress is news, not state: a failed write is simply superseded by the next one.
      writing = writePodStatus(db, pod.id, {
        imagePull: pullStarted(previous, pod.generation, progress),
      }).catch(() => undefined);
    });
  } catch (err) {
    await writing;
    if (!(err instanceof ImagePullError)) throw err;
    throw await recordPullFailure(deps, pod, source, err);
  }
  await writing;
  const image = await inspectImage(docker, source);
  if (!image) {
    throw await recordPullFailure(
      deps,
      pod,
      source,
      new ImagePullError(source, 'unknown', 'the pull ended but the image is not there'),
    );
  }
  const pinned = pinnedReference(ref, image);
  await writePodStatus(db, pod.id, { imageRef: ref, imagePinned: pinned, imagePull: null });
  const seconds = ((now() - startedAt) / 1000).toFixed(1);
  await event('ImagePulled', `pulled ${source} in ${seconds} s; pinned to ${pinned}`);
  return pinned;
}

/** Writes the failure (status and a warning event) and returns what the reconcile should do. */
async function recordPullFailure(
  deps: ImageDeps,
  pod: PodWithStatus,
  source: string,
  err: ImagePullError,
): Promise<ImageNotReady> {
  const now = (deps.now ?? Date.now)();
  const next = pullFailed(
    pod.status.image.pull,
    { reason: err.failure, message: err.registryMessage },
    pod.generation,
    now,
    deps.pullPolicy,
  );
  const retryInMs = next.nextAttemptAt ? Date.parse(next.nextAttemptAt) - now : null;
  const then =
    retryInMs === null
      ? `giving up after ${next.attempts} attempts: fix the image reference or the registry credentials, then update the pod`
      : `attempt ${next.attempts}; trying again in ${Math.ceil(retryInMs / 1000)} s`;
  const message = `pulling ${source} failed (${err.failure}): ${err.registryMessage}`;
  // One transaction: the phase, the error, the pull state and the event are seen together, so
  // no reader finds a pull that gave up on a pod still "pulling", or one attempt short of its
  // events. A recreate whose old container still serves stays running.
  await deps.db.transaction(async (tx) => {
    await writePodStatus(tx, pod.id, {
      lastError: message,
      ...(pod.status.phase !== 'running' && {
        phase: retryInMs === null ? ('failed' as const) : ('pending' as const),
      }),
      imagePull: next,
    });
    await recordEvent(tx, {
      podId: pod.id,
      type: 'warning',
      reason: 'ImagePullFailed',
      message: `${message} (${then})`,
    });
  });
  return new ImageNotReady(message, retryInMs, next);
}
