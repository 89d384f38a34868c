import {
  type ContainerView,
  type DockerHost,
  findContainerByName,
  inspectVolume,
  LABEL_SPEC_HASH,
} from '../runtime/index.js';
import { containerName, volumeName } from './names.js';
import type { ObservedPod } from './plan.js';

export interface DockerObservation {
  observed: ObservedPod;
  /** The full view, for the status write. */
  container: ContainerView | null;
}

/** Reads the pod's objects from Docker by their deterministic names. */
export async function observePod(
  docker: DockerHost,
  podId: string,
  health: ObservedPod['health'],
  /** The network the pod belongs on; null while deleting (then it does not matter). */
  podNetwork: string | null = null,
  /** Known already (the look after acting, which reads the container alone): not asked again. */
  knownVolume?: boolean,
): Promise<DockerObservation> {
  // The pod network is the installation's, known already (pod-network.ts): not looked up here.
  const [container, volume] = await Promise.all([
    findContainerByName(docker, containerName(podId)),
    knownVolume ?? inspectVolume(docker, volumeName(podId)).then((v) => v !== null),
  ]);
  return {
    container,
    observed: {
      volumeExists: volume,
      container: container && {
        id: container.id,
        running: container.state.running,
        specHash: container.labels[LABEL_SPEC_HASH] ?? null,
        startedAt: container.state.startedAt,
        restartPolicy: container.restartPolicy,
        ...(podNetwork && { onPodNetwork: podNetwork in container.networks }),
      },
      health,
    },
  };
}
