import { createHash } from 'node:crypto';
import type { ContainerPlan, PlannedFile, Pod } from '@agentpod/shared';
import { stringify } from 'safe-stable-stringify';
import {
  type ContainerLogs,
  type ContainerSpec,
  DEFAULT_CONTAINER_LOGS,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_POD_ID,
  LABEL_SPEC_HASH,
  LABEL_TENANT_ID,
} from '../runtime/index.js';
import { containerName, volumeName } from './names.js';

/** Everything the reconciler makes for a running pod, derived purely from desired state. */
export interface PodSpec {
  container: ContainerSpec;
  /** Written into the state volume (through the created container) before each start. */
  files: PlannedFile[];
  stateMountPath: string;
  port: number;
  /** Changes whenever anything above changes: a different hash means recreate. */
  hash: string;
}

/** Objects AgentPod owns carry these labels; the sweeper and the event filter rely on them. */
export function ownershipLabels(
  pod: Pick<Pod, 'id' | 'tenantId'>,
  installationId: string,
): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_INSTALLATION]: installationId,
    [LABEL_POD_ID]: pod.id,
    [LABEL_TENANT_ID]: pod.tenantId,
  };
}

/**
 * Wraps the adapter's plan in AgentPod's container defaults: the installation's pod network, its
 * state volume, resource limits, no capabilities, no privilege escalation, an init process, and
 * a restart policy so Docker itself revives a crashed agent even while the control plane is down.
 */
export function buildPodSpec(
  pod: Pod,
  plan: ContainerPlan,
  installationId: string,
  network: string,
  logs: ContainerLogs = DEFAULT_CONTAINER_LOGS,
): PodSpec {
  const owner = ownerOf(plan.user);
  const container: ContainerSpec = {
    name: containerName(pod.id),
    // Stable across recreates: agents that lease their state directory by host and pid (the
    // OpenClaw gateway does) then recognise their own dead predecessor instead of waiting out
    // the lease of a "different host".
    hostname: pod.subdomain,
    image: plan.image,
    ...(plan.command.length > 0 && { cmd: plan.command }),
    env: plan.env,
    user: plan.user,
    ...(plan.workingDir && { workingDir: plan.workingDir }),
    labels: { ...plan.labels, ...ownershipLabels(pod, installationId) },
    mounts: [{ volume: volumeName(pod.id), target: plan.stateMountPath }],
    network: { name: network },
    exposedPorts: [plan.port],
    memoryBytes: pod.resources.memoryMb * 1024 * 1024,
    nanoCpus: Math.round(pod.resources.cpus * 1e9),
    pidsLimit: pod.resources.pidsLimit,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges:true'],
    init: true,
    restartPolicy: 'unless-stopped',
    // Part of the hash on purpose: a changed rotation setting reaches every pod, by a recreate.
    logs,
    // Only where the adapter declares what its agent writes outside the state volume.
    ...(plan.filesystem?.readOnlyRoot && {
      readonlyRootfs: true,
      tmpfs: plan.filesystem.tmpfs.map((m) => ({
        target: m.path,
        sizeBytes: m.sizeMb * 1024 * 1024,
        mode: m.mode,
        ...owner,
      })),
    }),
  };
  // The installation label is left out of the hash: containers made before installations had
  // ids (and so without the label) are not recreated just for it.
  const { [LABEL_INSTALLATION]: _installation, ...hashedLabels } = container.labels;
  // Which keys of a file are owned is applied at every start and changes nothing in a running
  // container, so it stays out too: pods made before files were merged keep their hash. What
  // AgentPod renders is in: a new managed value recreates, a tenant's edit (not rendered) never.
  const files = plan.files.map(({ path, content, mode }) => ({ path, content, mode }));
  const hash = createHash('sha256')
    .update(stringify({ container: { ...container, labels: hashedLabels }, files }) ?? '')
    .digest('hex')
    .slice(0, 16);
  container.labels[LABEL_SPEC_HASH] = hash;
  return {
    container,
    files: plan.files,
    stateMountPath: plan.stateMountPath,
    port: plan.port,
    hash,
  };
}

/** `uid:gid` (numeric, as adapters declare users) -> the owner of the pod's scratch mounts. */
function ownerOf(user: string): { uid?: number; gid?: number } {
  const [uid, gid] = user.split(':');
  const num = (v: string | undefined) =>
    v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  return {
    ...(num(uid) !== undefined && { uid: num(uid) }),
    ...(num(gid) !== undefined && { gid: num(gid) }),
  };
}
