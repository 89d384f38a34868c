import {
  type ContainerView,
  type DockerHost,
  findContainerByName,
  inspectNetwork,
  inspectVolume,
  LABEL_SPEC_HASH,
} from '../runtime/index.js';
import { containerName, networkName, volumeName } from './names.js';
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
): Promise<DockerObservation> {
  const [container, network, volume] = await Promise.all([
    findContainerByName(docker, containerName(podId)),
    inspectNetwork(docker, networkName(podId)),
    inspectVolume(docker, volumeName(podId)),
  ]);
  return {
    container,
    observed: {
      networkExists: network !== null,
      volumeExists: volume !== null,
      container: container && {
        id: container.id,
        running: container.state.running,
        specHash: container.labels[LABEL_SPEC_HASH] ?? null,
        startedAt: container.state.startedAt,
        restartPolicy: container.restartPolicy,
      },
      health,
    },
  };
}
