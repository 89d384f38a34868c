// Every Docker object of a pod has a name derived from the pod id, so a retried create can
// never make a twin: Docker refuses the second one with a conflict.
export const containerName = (podId: string) => `agentpod-${podId}`;
export const networkName = (podId: string) => `agentpod-${podId}`;
export const volumeName = (podId: string) => `agentpod-${podId}-state`;
