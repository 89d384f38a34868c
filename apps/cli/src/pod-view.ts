// How pods, their events and devices read on a terminal. Pods carry secret names only
// (`secretRefs`); the one secret values shown are those a create reveals, that single time.
import type {
  AgentDevice,
  CreatedPod,
  DeviceList,
  ImagePull,
  PodEvent,
  PodExit,
  PodStatsPoint,
  PodUsage,
  PodWithStatus,
} from '@agentpod/shared';
import { describeEgress } from './egress.js';
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
    ['egress', describeEgress(pod.egress)],
    ['network', status.subnet ?? '-'],
    ['address', status.ipAddress ?? '-'],
    ['created', formatTime(pod.createdAt)],
  ];
  if (status.image.pull) rows.push(['pull', describePull(status.image.pull)]);
  if (status.usage) rows.push(['usage', describeUsage(status.usage)]);
  if (status.lastExit) rows.push(['last exit', describeExit(status.lastExit)]);
  if (pod.deletedAt) rows.push(['deleted', formatTime(pod.deletedAt)]);
  if (status.lastError) rows.push(['last error', status.lastError]);
  return formatTable(rows);
}

/** One line after a write: what was asked for and where the pod is now. */
export function podSummary(verb: string, pod: PodWithStatus): string {
  return `${verb} pod ${pod.id} (${pod.subdomain}): desired ${pod.desiredState}, phase ${pod.status.phase}, generation ${pod.generation}`;
}

/** After a create: the summary, then the generated secrets the server shows this once. */
export function createdPodText(pod: CreatedPod): string {
  const revealed = Object.entries(pod.revealedSecrets).map(([name, value]) => `${name}: ${value}`);
  if (revealed.length === 0) return podSummary('created', pod);
  return [
    podSummary('created', pod),
    ...revealed,
    `${revealed.length === 1 ? 'This is' : 'These are'} shown only this once: store ${revealed.length === 1 ? 'it' : 'them'} now.`,
  ].join('\n');
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

const KB = 1024;

/** `3.2% CPU, 81.4 of 2048 MiB, 7 processes` */
export function describeUsage(usage: PodUsage): string {
  const cpu = usage.cpuPercent === null ? '-' : `${usage.cpuPercent.toFixed(1)}%`;
  const mem = `${(usage.memoryBytes / MB).toFixed(1)} of ${(usage.memoryLimitBytes / MB).toFixed(0)} MiB`;
  return `${cpu} CPU, ${mem}, ${usage.pids} processes`;
}

/** `2026-11-29 12:00:07 code 137, out of memory; Docker restarts: 1` */
export function describeExit(exit: PodExit): string {
  const code = exit.exitCode === null ? 'code unknown' : `code ${exit.exitCode}`;
  return `${formatTime(exit.at)} ${code}${exit.oomKilled ? ', out of memory' : ''}; Docker restarts: ${exit.restartCount}`;
}

/** One line per point of a stats series: time, CPU, memory, pids and I/O rates. */
export function statsTable(points: PodStatsPoint[]): string {
  const rate = (n: number) => (n / KB).toFixed(1);
  const rows = points.map((p) => [
    formatTime(p.at),
    p.cpuPercent === null ? '-' : `${p.cpuPercent.toFixed(1)}%`,
    `${(p.memoryBytes / MB).toFixed(1)} / ${(p.memoryLimitBytes / MB).toFixed(0)}`,
    String(Math.round(p.pids)),
    `${rate(p.networkRxBytesPerSecond)} / ${rate(p.networkTxBytesPerSecond)}`,
    `${rate(p.blockReadBytesPerSecond)} / ${rate(p.blockWriteBytesPerSecond)}`,
  ]);
  return formatTable(rows, [
    'TIME',
    'CPU',
    'MEMORY MiB',
    'PIDS',
    'NET KiB/s IN/OUT',
    'DISK KiB/s R/W',
  ]);
}
