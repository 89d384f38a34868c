// How pods, their events and devices read on a terminal. Pods carry secret names only
// (`secretRefs`); no view here ever has a secret value to show.
import type { AgentDevice, DeviceList, ImagePull, PodEvent, PodWithStatus } from '@agentpod/shared';
import { formatTable, formatTime } from './table.js';

export function podTable(pods: PodWithStatus[]): string {
  const rows = pods.map((p) => [
    p.id,
    p.tenantId,
    p.subdomain,
    p.agentType,
    p.desiredState,
    p.status.phase,
    p.status.health,
    String(p.status.restarts),
  ]);
  return formatTable(rows, [
    'ID',
    'TENANT',
    'SUBDOMAIN',
    'TYPE',
    'DESIRED',
    'PHASE',
    'HEALTH',
    'RESTARTS',
  ]);
}

export function podDetails(pod: PodWithStatus): string {
  const { status, resources } = pod;
  const rows = [
    ['id', pod.id],
    ['tenant', pod.tenantId],
    ['name', pod.name],
    ['subdomain', pod.subdomain],
    ['type', pod.agentType],
    ['image', pod.image ?? '(the default)'],
    ['pinned', status.image.pinned ?? '-'],
    ['desired', `${pod.desiredState} (generation ${pod.generation})`],
    ['phase', `${status.phase} (observed generation ${status.observedGeneration})`],
    ['health', status.health],
    ['restarts', String(status.restarts)],
    ['config', JSON.stringify(pod.config)],
    ['secrets', pod.secretRefs.length > 0 ? pod.secretRefs.join(', ') : '(none)'],
    [
      'resources',
      `${resources.memoryMb} MiB memory, ${resources.cpus} CPU${resources.cpus === 1 ? '' : 's'}, ${resources.pidsLimit} processes`,
    ],
    ['network', status.subnet ?? '-'],
    ['address', status.ipAddress ?? '-'],
    ['created', formatTime(pod.createdAt)],
  ];
  if (status.image.pull) rows.push(['pull', describePull(status.image.pull)]);
  if (pod.deletedAt) rows.push(['deleted', formatTime(pod.deletedAt)]);
  if (status.lastError) rows.push(['last error', status.lastError]);
  return formatTable(rows);
}

/** One line after a write: what was asked for and where the pod is now. */
export function podSummary(verb: string, pod: PodWithStatus): string {
  return `${verb} pod ${pod.id} (${pod.subdomain}): desired ${pod.desiredState}, phase ${pod.status.phase}, generation ${pod.generation}`;
}

/** Oldest first, as a log reads; the API pages newest first. */
export function eventTable(events: PodEvent[]): string {
  const rows = [...events]
    .reverse()
    .map((e) => [formatTime(e.createdAt), e.type, e.reason, e.message]);
  return formatTable(rows, ['TIME', 'TYPE', 'REASON', 'MESSAGE']);
}

export function deviceTables(devices: DeviceList): string {
  const rows = (list: AgentDevice[]) =>
    list.map((d) => [
      d.requestId ?? '-',
      d.deviceId,
      d.platform ?? '-',
      d.scopes.join(',') || '-',
      formatTime(d.at),
    ]);
  const header = ['REQUEST', 'DEVICE', 'PLATFORM', 'SCOPES', 'AT'];
  const pending =
    devices.pending.length > 0
      ? `pending:\n${formatTable(rows(devices.pending), header)}`
      : 'no pending device requests';
  const paired =
    devices.paired.length > 0
      ? `paired:\n${formatTable(rows(devices.paired), header)}`
      : 'no paired devices';
  return `${pending}\n\n${paired}`;
}

const MB = 1024 * 1024;

/** `pulling: 3/7 layers, 45.2/120.0 MB`, `retrying at … after 2 failed attempts (unreachable)`. */
export function describePull(pull: ImagePull): string {
  if (pull.state === 'pulling') {
    const p = pull.progress;
    if (!p) return 'pulling';
    const mb = (n: number) => (n / MB).toFixed(1);
    return `pulling: ${p.layersDone}/${p.layers} layers, ${mb(p.bytesDone)}/${mb(p.bytes)} MB`;
  }
  const tries = `${pull.attempts} failed attempt${pull.attempts === 1 ? '' : 's'} (${pull.reason})`;
  return pull.state === 'failed'
    ? `gave up after ${tries}`
    : `retrying at ${formatTime(pull.nextAttemptAt ?? '')} after ${tries}`;
}
