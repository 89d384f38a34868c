import type { EventReason, EventType, PodWithStatus } from '@agentpod/shared';
import type { Database } from '../db/client.js';
import { recordEvent } from '../db/queries/events.js';
import { countRestart, deletePodSecrets, writePodStatus } from '../db/queries/pods.js';
import {
  createContainer,
  createVolume,
  DockerConflictError,
  type DockerHost,
  LABEL_IMAGE_PIN,
  type PodFile,
  removeContainer,
  removeVolume,
  startContainer,
  stopContainer,
  updateRestartPolicy,
} from '../runtime/index.js';
import type { ExitGate } from './exit-gate.js';
import type { FreshVolumeWriter } from './fresh-files.js';
import { ensurePodImage, type ImageDeps } from './image.js';
import { containerName, volumeName } from './names.js';
import type { Action, ObservedPod } from './plan.js';
import { describeRestored, writePodFiles } from './pod-files.js';
import { ownershipLabels, type PodSpec } from './spec.js';

export interface ExecuteDeps {
  db: Database;
  docker: DockerHost;
  stopTimeoutSeconds: number;
  /** Forget probe results of a container that is being replaced or restarted. */
  resetHealth: (podId: string) => void;
  image: ImageDeps;
  /** Labels every object this installation makes (see ownershipLabels). */
  installationId: string;
  /**
   * Aborted once this process no longer leads (reason: a LeadershipLostError). Checked before
   * every Docker mutation: another leader may be acting on the same pod by then.
   */
  fence?: AbortSignal;
  /** Orders the stops and removals of containers (exit-gate.ts); absent, they run at once. */
  exits?: ExitGate;
  /** Writes new pods' files many at a time (fresh-files.ts); absent, each pod's alone. */
  freshFiles?: FreshVolumeWriter;
}

export interface ExecutionTarget {
  pod: PodWithStatus;
  spec: PodSpec | null;
  observed: ObservedPod;
}

/**
 * Carries out the planned actions in order with thin Docker calls, recording an event with a
 * stable reason after each one succeeds. It decides nothing: plan() did.
 */
export async function executeActions(
  deps: ExecuteDeps,
  target: ExecutionTarget,
  actions: Action[],
): Promise<void> {
  const { db, docker } = deps;
  const { pod, spec } = target;
  const event = (reason: EventReason, message: string, type: EventType = 'normal') =>
    recordEvent(db, { podId: pod.id, type, reason, message });
  const needSpec = (): PodSpec => {
    if (!spec) throw new Error(`pod ${pod.id} has no rendered spec`);
    return spec;
  };
  let containerId = target.observed.container?.id ?? null;
  let replaced = false;
  let pinnedImage: string | null = null;
  const labels = ownershipLabels(pod, deps.installationId);
  // Made by this reconcile, after it saw none: no file of the pod can be in it yet.
  let freshVolume = false;
  const writeConfig = (id: string) => {
    const s = needSpec();
    const { freshFiles } = deps;
    const writeFresh =
      freshFiles &&
      ((files: PodFile[]) =>
        freshFiles({
          containerId: id,
          mountPath: s.stateMountPath,
          volume: volumeName(pod.id),
          image: pinnedImage ?? s.container.image,
          files,
        }));
    return writeConfigFiles(docker, id, s, event, { freshVolume, writeFresh });
  };
  const stillLeading = () => deps.fence?.throwIfAborted();
  const exit = <T>(work: () => Promise<T>) => (deps.exits ? deps.exits(work) : work());
  const stop = (id: string) =>
    exit(() => stopContainer(docker, id, { timeoutSeconds: deps.stopTimeoutSeconds }));

  for (const action of actions) {
    stillLeading();
    switch (action.type) {
      case 'ensureVolume':
        // Planned only when the look before found no volume: one create, no look-ups.
        await createVolume(docker, { name: volumeName(pod.id), labels });
        freshVolume = true;
        break;
      case 'ensureImage':
        pinnedImage = await ensurePodImage(deps.image, pod, needSpec().container.image);
        break;
      case 'removeContainer':
        if (containerId) {
          // Stop first, with the grace period: a forced removal is a SIGKILL, and the agent
          // would leave locks and leases behind in the state volume for its successor.
          await stop(containerId);
          stillLeading();
          const id = containerId;
          await exit(() => removeContainer(docker, id, { force: true }));
        }
        deps.resetHealth(pod.id);
        replaced = action.reason === 'specChanged';
        containerId = null;
        break;
      case 'createContainer': {
        const s = needSpec();
        // Created from the pin, so a moved tag can never change what a recreate runs.
        const image = pinnedImage ?? s.container.image;
        try {
          containerId = await createContainer(docker, {
            ...s.container,
            image,
            labels: { ...s.container.labels, [LABEL_IMAGE_PIN]: image },
          });
        } catch (err) {
          // Made by an earlier attempt that died before it could record it: same name, same spec.
          if (!(err instanceof DockerConflictError)) throw err;
          containerId = containerName(pod.id);
        }
        await event(
          replaced ? 'Recreated' : 'Created',
          `container ${containerName(pod.id)} created (spec ${s.hash})`,
        );
        break;
      }
      case 'startContainer': {
        const id = containerId ?? containerName(pod.id);
        await writeConfig(id);
        stillLeading();
        await startContainer(docker, id);
        deps.resetHealth(pod.id);
        if (action.completesRestart) {
          await countRestart(db, pod.id);
          await event('Restarted', 'restarted on request (finished after an interruption)');
        } else {
          await event('Started', 'container started');
        }
        break;
      }
      case 'stopContainer':
        if (containerId) await stop(containerId);
        await event('Stopped', 'container stopped');
        break;
      case 'restartContainer':
        if (containerId) {
          // Stop, files, start rather than `docker restart`: a pod that went unhealthy because
          // its tenant changed a managed key (a loopback bind) comes back with it put right.
          await stop(containerId);
          stillLeading();
          await writeConfig(containerId);
          stillLeading();
          await startContainer(docker, containerId);
        }
        deps.resetHealth(pod.id);
        await countRestart(db, pod.id);
        await event(
          'Restarted',
          action.reason === 'unhealthy'
            ? 'restarted after failing its health checks'
            : 'restarted on request',
          action.reason === 'unhealthy' ? 'warning' : 'normal',
        );
        break;
      case 'setRestartPolicy':
        if (containerId) await updateRestartPolicy(docker, containerId, action.policy);
        break;
      case 'removeVolume':
        await removeVolume(docker, volumeName(pod.id));
        await event('Purged', `state volume ${volumeName(pod.id)} removed`);
        break;
      case 'finishDeletion':
        // The agent is gone: nothing will ever need its keys again.
        await deletePodSecrets(db, pod.id);
        await writePodStatus(db, pod.id, {
          phase: 'deleted',
          containerId: null,
          ipAddress: null,
          subnet: null,
          health: 'unknown',
          lastError: null,
          observedGeneration: pod.generation,
        });
        await event('Deleted', 'container removed; the state volume was kept unless purged');
        break;
    }
  }
}

/**
 * Before every start, so a crash between create and start can never leave a container running
 * on stale or missing configuration.
 */
async function writeConfigFiles(
  docker: DockerHost,
  containerId: string,
  spec: PodSpec,
  event: (reason: EventReason, message: string, type?: EventType) => Promise<unknown>,
  options: Parameters<typeof writePodFiles>[4],
): Promise<void> {
  if (spec.files.length === 0) return;
  const { restored, unreadable, reformatted } = await writePodFiles(
    docker,
    containerId,
    spec,
    new Date(),
    options,
  );
  for (const u of unreadable) {
    await event(
      'ConfigUnreadable',
      `${u.path} could not be read (${u.reason}); kept it as ${u.keptAs} and wrote a new one`,
      'warning',
    );
  }
  for (const r of restored) await event('ConfigRestored', describeRestored(r), 'warning');
  const paths = spec.files.map((f) => f.path).join(', ');
  const note =
    reformatted.length > 0 ? ` (rewrote ${reformatted.join(', ')} from JSON5 as JSON)` : '';
  await event('ConfigWritten', `wrote ${paths} to the state volume${note}`);
}
