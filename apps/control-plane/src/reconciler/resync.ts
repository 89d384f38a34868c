// The periodic resync's question, answered from one listing: which pods may be out of step?
import { type ContainerSummary, LABEL_SPEC_HASH } from '../runtime/index.js';
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
