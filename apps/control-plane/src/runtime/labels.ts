// Ownership is by label: every object AgentPod makes carries these, and the reconciler and the
// sweeper find "ours" by them rather than by remembered ids.

export const LABEL_MANAGED = 'agentpod.managed';
export const LABEL_POD_ID = 'agentpod.pod-id';
export const LABEL_TENANT_ID = 'agentpod.tenant-id';
/** The installation that made the object: each installation sees and sweeps only its own. */
export const LABEL_INSTALLATION = 'agentpod.installation';
/** What the object is for when it is not a pod's: `proxy`, `file-writer`. */
export const LABEL_ROLE = 'agentpod.role';
/** A never-started container that writes files into volumes, then is removed (files.ts). */
export const FILE_WRITER_ROLE = 'file-writer';
/** The pinned image reference the container was created from. */
export const LABEL_IMAGE_PIN = 'agentpod.image-pin';
/** Hash of the desired container spec: a changed hash means "recreate", not "patch". */
export const LABEL_SPEC_HASH = 'agentpod.spec-hash';

/** Docker's `label` filter: every pair must match (AND). */
export function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`);
}
