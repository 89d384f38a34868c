// Every Docker object of a pod has a name derived from the pod id, so a retried create can
// never make a twin: Docker refuses the second one with a conflict.
export const containerName = (podId: string) => `agentpod-${podId}`;
/** The installation's one network for all its pods (pod-network.ts). */
export const podNetworkName = (installationId: string) => `agentpod-pods-${installationId}`;
export const volumeName = (podId: string) => `agentpod-${podId}-state`;
