// The adapter's files, written into a created or stopped container's state volume before it
// starts. A merged file (PlannedFile.ownedPaths) keeps what the tenant wrote: see config-merge.ts.
import { posix } from 'node:path';
import { isMergedFile, type PlannedFile } from '@agentpod/shared';
import {
  type DockerHost,
  DockerNotFoundError,
  type PodFile,
  readFile,
  writeFiles,
} from '../runtime/index.js';
import { mergeConfig, type RestoredKey } from './config-merge.js';
import type { PodSpec } from './spec.js';

/**
 * Beside each merged file, in the state volume, AgentPod keeps what it rendered at its last
 * write (as kubectl keeps last-applied-configuration): a managed value that still matches it
 * was changed by the operator, not by the tenant, and a default the tenant never touched
 * may follow AgentPod's new default.
 */
const LAST_APPLIED_DIR = '.agentpod/last-applied';

export interface PodFilesOutcome {
  /** Managed keys a tenant had changed, now put back, per file. */
  restored: { path: string; keys: RestoredKey[] }[];
  /** Files that did not parse: kept aside under `keptAs` and written anew. */
  unreadable: { path: string; keptAs: string; reason: string }[];
  /** JSON5 files that needed an edit, rewritten as JSON (as OpenClaw's own writes do). */
  reformatted: string[];
}

export async function writePodFiles(
  docker: DockerHost,
  containerId: string,
  spec: PodSpec,
  now: Date,
  {
    freshVolume = false,
    writeFresh,
  }: {
    /**
     * The state volume was made by this reconcile: nothing to read back, so the files are
     * written without a look first (each look is an archive call: the daemon mounts the
     * container's filesystem and volumes for it).
     */
    freshVolume?: boolean;
    /** How files reach a fresh volume (fresh-files.ts, many pods per call); else directly. */
    writeFresh?: (files: PodFile[]) => Promise<void>;
  } = {},
): Promise<PodFilesOutcome> {
  const outcome: PodFilesOutcome = { restored: [], unreadable: [], reformatted: [] };
  const writes: Omit<PodFile, 'uid' | 'gid'>[] = [];
  const read = async (path: string) =>
    freshVolume ? null : readIfPresent(docker, containerId, spec.stateMountPath, path);
  for (const file of spec.files) {
    if (!isMergedFile(file)) {
      writes.push(file);
      continue;
    }
    const existing = await read(file.path);
    const lastApplied = await read(`${LAST_APPLIED_DIR}/${file.path}`);
    const merged = mergeFile(file, existing?.toString('utf8') ?? null, lastApplied);
    writes.push({ path: file.path, content: merged.text, mode: file.mode });
    writes.push({ path: `${LAST_APPLIED_DIR}/${file.path}`, content: file.content, mode: 0o600 });
    if (merged.kind === 'unreadable' && existing) {
      const keptAs = `${file.path}.unreadable-${now.toISOString().replace(/[:.]/g, '-')}`;
      writes.push({ path: keptAs, content: existing, mode: 0o600 });
      outcome.unreadable.push({ path: file.path, keptAs, reason: merged.reason });
    } else if (merged.kind === 'merged') {
      if (merged.restored.length > 0)
        outcome.restored.push({ path: file.path, keys: merged.restored });
      if (merged.reformatted) outcome.reformatted.push(file.path);
    }
  }
  const [uid = 0, gid = uid] = (spec.container.user ?? '0:0').split(':').map(Number);
  const files = writes.map((w) => ({ ...w, uid, gid }));
  if (freshVolume && writeFresh) await writeFresh(files);
  else await writeFiles(docker, containerId, spec.stateMountPath, files);
  return outcome;
}

function mergeFile(file: PlannedFile, existing: string | null, lastApplied: Buffer | null) {
  return mergeConfig({
    existing,
    rendered: file.content,
    lastApplied: lastApplied?.toString('utf8') ?? null,
    owned: file.ownedPaths ?? [],
    defaults: file.defaultPaths ?? [],
  });
}

/** Null when the file is not there yet: the pod's first boot, or a volume from before. */
async function readIfPresent(
  docker: DockerHost,
  containerId: string,
  root: string,
  path: string,
): Promise<Buffer | null> {
  try {
    return await readFile(docker, containerId, posix.join(root, path));
  } catch (err) {
    if (err instanceof DockerNotFoundError) return null;
    throw err;
  }
}

/** `gateway.bind (was "loopback")`: what the tenant had, shortened, for the event. */
export function describeRestored({ path, keys }: PodFilesOutcome['restored'][number]): string {
  const shown = keys.map(({ path: key, was }) => {
    const value = was === undefined ? 'unset' : `was ${JSON.stringify(was)}`;
    return `${key.join('.')} (${value.length > 80 ? `${value.slice(0, 77)}...` : value})`;
  });
  return `put back managed settings in ${path}: ${shown.join(', ')}`;
}
