// The periodic resync's question, answered from one listing: which pods may be out of step?
import type { PodWithStatus } from '@agentpod/shared';
import { type ContainerSummary, LABEL_POD_ID, LABEL_SPEC_HASH } from '../runtime/index.js';
import { volumeName } from './names.js';

/** What a resync reads of every pod the reconciler still has work for (one query). */
export interface ResyncRow {
  id: string;
  deleting: boolean;
  desiredState: 'running' | 'stopped';
  generation: number;
  observedGeneration: number;
  phase: string;
  health: string;
  specHash: string | null;
}

/**
 * The resync's rows from pods held in memory (the pod cache, which the change feed keeps
 * current), as controller-runtime resyncs from its informer's cache rather than the API server:
 * the same rows `listResyncRows` reads, without a query over every pod each 30 s.
 */
export function resyncRowsOf(pods: readonly PodWithStatus[]): ResyncRow[] {
  const rows: ResyncRow[] = [];
  for (const p of pods) {
    // A finished deletion's tombstone: no work left.
    if (p.deletedAt && p.status.phase === 'deleted') continue;
    rows.push({
      id: p.id,
      deleting: p.deletedAt !== null,
      desiredState: p.desiredState,
      generation: p.generation,
      observedGeneration: p.status.observedGeneration,
      phase: p.status.phase,
      health: p.status.health,
      specHash: p.status.specHash,
    });
  }
  return rows;
}

/**
 * Whether a pod needs a full reconcile, judged from its row and its containers in one listing
 * of every container instead of three inspects per pod: a resync over a thousand settled pods
 * then queues none. Anything it cannot vouch for is reconciled: a pending change (generation),
 * a deletion, a container missing, twinned, not in the desired power state, on another spec,
 * off the pod network or its volume, or a pod not yet seen settled (running and healthy, or
 * stopped).
 * What a listing cannot show (an exit missed while the event stream was down, a new default
 * image after an upgrade) is caught by the full resyncs at leadership, on the event stream's
 * reconnect and after a Docker outage.
 */
export function needsReconcile(
  row: ResyncRow,
  containers: ContainerSummary[],
  podNetwork: string,
): boolean {
  if (row.deleting || row.generation !== row.observedGeneration) return true;
  if (containers.length > 1) return true;
  const [c] = containers;
  if (row.desiredState === 'stopped') {
    if (row.phase !== 'stopped') return true;
    return c !== undefined && c.status !== 'exited' && c.status !== 'created';
  }
  if (c?.status !== 'running') return true;
  if (row.phase !== 'running' || row.health !== 'healthy') return true;
  if (c.labels[LABEL_SPEC_HASH] !== row.specHash) return true;
  if (!(podNetwork in c.networks)) return true;
  return !c.mounts.some((m) => m.name === volumeName(row.id));
}

/**
 * One resync pass's answer: the ids of the rows that `needsReconcile` (or `unsettled`: a
 * crash-looping pod's held restarts, let go by a reconcile once it has run fine), judged from
 * one listing of the installation's containers.
 */
export function unsettledPodIds(
  rows: readonly ResyncRow[],
  containers: readonly ContainerSummary[],
  podNetwork: string,
  unsettled: (podId: string) => boolean = () => false,
): string[] {
  const byPod = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const id = c.labels[LABEL_POD_ID];
    if (!id) continue;
    const seen = byPod.get(id);
    if (seen) seen.push(c);
    else byPod.set(id, [c]);
  }
  const ids: string[] = [];
  for (const r of rows) {
    if (needsReconcile(r, byPod.get(r.id) ?? [], podNetwork) || unsettled(r.id)) ids.push(r.id);
  }
  return ids;
}
