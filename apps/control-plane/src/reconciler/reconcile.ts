import type { AgentAdapter, PodPhase, PodWithStatus } from '@agentpod/shared';
import { publicOrigin } from '@agentpod/shared';
import type { Database } from '../db/client.js';
import { type NewEvent, recordEvent } from '../db/queries/events.js';
import {
  getExitMark,
  getPod,
  getPodSecrets,
  isPurgeRequested,
  type StatusWrite,
  writePodStatus,
} from '../db/queries/pods.js';
import { NotFoundError } from '../errors.js';
import {
  type ContainerLogs,
  type ContainerView,
  type DockerHost,
  DockerNotFoundError,
  isDockerNotAnswering,
} from '../runtime/index.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { backOffMessage, type CrashLoopState, type CrashLoopTracker } from './crash-loop.js';
import { type ExecuteDeps, executeActions } from './execute.js';
import type { ExitGate } from './exit-gate.js';
import { accountExit, type ExitHint, type ExitMark, exitEvent } from './exits.js';
import type { FreshVolumeWriter } from './fresh-files.js';
import { type ImageDeps, ImageNotReady } from './image.js';
import { observePod } from './observe.js';
import { type Action, type DesiredPod, type ObservedPod, plan } from './plan.js';
import type { PodNetwork, PodNetworkInfo } from './pod-network.js';
import { type ReconcileResult, TerminalError } from './queue.js';
import { buildPodSpec, type PodSpec } from './spec.js';

export interface AdapterLookup {
  get(agentType: string): AgentAdapter;
  defaultImageFor(agentType: string): string;
}

export interface HealthSource {
  healthOf(podId: string): ObservedPod['health'];
  reset(podId: string): void;
}

export interface ReconcileDeps {
  db: Database;
  docker: DockerHost;
  adapters: AdapterLookup;
  secrets: SecretBox;
  health: HealthSource;
  /** The installation's network, which every pod joins. */
  podNetwork: PodNetwork;
  baseDomain: string;
  /** How users reach pods (scheme and a non-default port). */
  publicUrl: { scheme: 'http' | 'https'; port: number | undefined };
  stopTimeoutSeconds: number;
  image: ImageDeps;
  installationId: string;
  /** json-file log rotation for pod containers; Docker's own default (none) is never used. */
  containerLogs?: ContainerLogs;
  /** The exit code of the pod's container's last `die` event, if one was seen. */
  exitHints?: (podId: string) => ExitHint | undefined;
  /** Crash-loop back-off; without it Docker's restart policy alone restarts crashed agents. */
  crashLoop?: CrashLoopTracker;
  /** Aborted when this process stops leading: no Docker mutation may follow (execute.ts). */
  fence?: AbortSignal;
  /** Orders container stops and removals on engines that need it (exit-gate.ts). */
  exits?: ExitGate;
  /** Writes new pods' files many at a time while pods are made in numbers (fresh-files.ts). */
  freshFiles?: FreshVolumeWriter;
}

/** While the agent's container is not running yet, look again this soon. */
const SETTLING_RECHECK_MS = 5_000;

/**
 * Level-triggered: reads the pod row and what Docker has for it, plans, acts, then writes the
 * status from a fresh look at Docker. It never asks what woke it.
 */
export async function reconcilePod(deps: ReconcileDeps, podId: string): Promise<ReconcileResult> {
  let pod: PodWithStatus;
  try {
    pod = await getPod(deps.db, podId);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  if (pod.deletedAt && pod.status.phase === 'deleted') return undefined;

  const deleting = pod.deletedAt !== null;
  // Made (or found) before anything else of the pod: its gateway is in the rendered spec.
  const network = deleting ? null : await deps.podNetwork.ensure();
  const spec = network ? await renderSpec(deps, pod, network) : null;
  const desired: DesiredPod = {
    deleting,
    purge: deleting && (await isPurgeRequested(deps.db, pod.id)),
    power: pod.desiredState,
    restartRequestedAt: pod.restartRequestedAt ? new Date(pod.restartRequestedAt) : null,
    spec,
  };

  const netName = network?.name ?? null;
  const before = await observePod(deps.docker, pod.id, deps.health.healthOf(pod.id), netName);
  const crash = observeCrashLoop(deps, pod, before.container);
  if (crash) desired.backOff = { holdRestarts: crash.holdRestarts, waiting: !!crash.backOffUntil };
  const actions = plan(desired, before.observed);
  const executeDeps: ExecuteDeps = {
    db: deps.db,
    docker: deps.docker,
    stopTimeoutSeconds: deps.stopTimeoutSeconds,
    resetHealth: (id) => deps.health.reset(id),
    image: deps.image,
    installationId: deps.installationId,
    fence: deps.fence,
    exits: deps.exits,
    freshFiles: deps.freshFiles,
  };
  // The one outcome of executing that is not an error: the image is not there yet.
  let notReady: ImageNotReady | null = null;
  try {
    await executeActions(executeDeps, { pod, spec, observed: before.observed }, actions);
  } catch (err) {
    // Something Docker did not find (the pod network removed behind our back, say): the network
    // is looked up, and made again if need be, by the next attempt.
    if (err instanceof DockerNotFoundError) deps.podNetwork.forget();
    if (!(err instanceof ImageNotReady)) throw err;
    notReady = err;
  }
  if (actions.some((a) => a.type === 'finishDeletion')) return undefined;

  // Status is written last, from what Docker says now, never from what we meant to do. With
  // nothing done, the first look is still what Docker says (saves three calls per resync).
  const after =
    actions.length === 0
      ? before
      : await observePod(
          deps.docker,
          pod.id,
          deps.health.healthOf(pod.id),
          netName,
          // The status needs the container alone; what became of the volume is not read again.
          before.observed.volumeExists || actions.some((a) => a.type === 'ensureVolume'),
        );
  const view = after.container;
  const running = view?.state.running ?? false;
  const health = running
    ? after.observed.health === 'unknown'
      ? 'starting'
      : after.observed.health
    : 'unknown';
  // Its own exits are not crashes; a container it just made had not exited when it was made.
  const madeNow = actions.some((a) => a.type === 'createContainer');
  if (madeNow && view) deps.crashLoop?.made(pod.id, view.id);
  else if (actions.some((a) => OWN_EXITS.has(a.type))) {
    deps.crashLoop?.ownExit(pod.id, crashView(view));
  }
  // An exit AgentPod did not cause is news, even one that happened while it was not looking.
  const exit = await accountForExits(deps, pod, view, actions, madeNow);
  const backingOff = crash?.backOffUntil && !running ? crash : null;
  if (backingOff?.newCrash) {
    // Written at once: the crash-loop tracker tells of a new crash once, whatever comes next.
    await recordEvent(deps.db, {
      podId: pod.id,
      type: 'warning',
      reason: 'BackOff',
      message: `${backOffMessage(backingOff.delayMs)}: it exited ${backingOff.crashes} times without running for ${Math.round((deps.crashLoop?.resetAfterMs ?? 0) / 1000)} s`,
    });
  }
  const status: StatusWrite = {
    ...(exit && { lastExit: exit.mark }),
    // Usage is only for running pods; the stats collector writes it.
    ...(!running && { usage: null }),
    phase: phaseOf(pod, view?.state.status ?? null, running, notReady),
    containerId: view?.id ?? null,
    ipAddress: (network && view?.networks[network.name]) || null,
    ...(network && { subnet: network.subnet }),
    specHash: after.observed.container?.specHash ?? null,
    health,
    lastError: notReady?.message ?? (backingOff ? backOffMessage(backingOff.delayMs) : null),
    observedGeneration: pod.generation,
  };
  const exitNews = exit?.event;
  if (!exitNews) {
    await writePodStatus(deps.db, pod.id, status);
  } else {
    // One transaction: an exit's event and the mark that says it was accounted for land
    // together, so a crash between them can neither lose the event nor record it twice.
    await deps.db.transaction(async (tx) => {
      await recordEvent(tx, exitNews);
      await writePodStatus(tx, pod.id, status);
    });
  }
  if (backingOff?.backOffUntil) {
    return { requeueAfterMs: Math.max(0, backingOff.backOffUntil.getTime() - Date.now()) + 50 };
  }
  if (notReady)
    return notReady.retryInMs === null ? undefined : { requeueAfterMs: notReady.retryInMs };
  // A running agent's health is the prober's to find, and its verdict wakes this reconcile: a
  // look every few seconds until then would cost two Docker calls and a query per new pod.
  const settling = !deleting && pod.desiredState === 'running' && !running;
  return settling ? { requeueAfterMs: SETTLING_RECHECK_MS } : undefined;
}

/** The crash-loop state of a pod that should run; a stopped or deleted pod starts afresh. */
function observeCrashLoop(
  deps: ReconcileDeps,
  pod: PodWithStatus,
  view: ContainerView | null,
): CrashLoopState | null {
  if (!deps.crashLoop) return null;
  if (pod.deletedAt || pod.desiredState !== 'running') {
    deps.crashLoop.forget(pod.id);
    return null;
  }
  return deps.crashLoop.observe(pod.id, crashView(view), new Date());
}

function crashView(view: ContainerView | null) {
  return (
    view && {
      id: view.id,
      running: view.state.running,
      startedAt: view.state.startedAt,
      finishedAt: view.state.finishedAt,
    }
  );
}

/** Exits AgentPod causes itself: stopping, restarting or replacing the container. */
const OWN_EXITS = new Set<Action['type']>(['stopContainer', 'restartContainer', 'removeContainer']);

/**
 * Compares the container's exit record with the last one accounted for. Returns the mark to
 * store and, for news, the event to record with it (undefined: nothing to store).
 */
async function accountForExits(
  deps: ReconcileDeps,
  pod: PodWithStatus,
  view: ContainerView | null,
  actions: Action[],
  madeNow: boolean,
): Promise<{ mark: ExitMark; event: NewEvent | null } | undefined> {
  if (!view) return undefined;
  const newContainer = view.id !== pod.status.containerId;
  // A container that never exited, already seen: nothing to compare (saves a query a resync).
  if (!newContainer && view.state.finishedAt === null) return undefined;
  const mark = newContainer ? null : await getExitMark(deps.db, pod.id);
  const { mark: next, news } = accountExit(
    mark,
    {
      containerId: view.id,
      running: view.state.running,
      finishedAt: view.state.finishedAt,
      exitCode: view.state.exitCode,
      oomKilled: view.state.oomKilled,
      restartCount: view.restartCount,
    },
    {
      causedByUs: actions.some((a) => OWN_EXITS.has(a.type)),
      // The pass's own stops, if any, were of the container this one replaced.
      made: madeNow,
      hint: deps.exitHints?.(pod.id),
    },
  );
  if (!next) return undefined;
  if (!news || pod.deletedAt || pod.desiredState !== 'running') return { mark: next, event: null };
  const { reason, message } = exitEvent(
    news,
    view.state.running,
    pod.resources.memoryMb * 1024 * 1024,
  );
  return { mark: next, event: { podId: pod.id, type: 'warning', reason, message } };
}

function phaseOf(
  pod: PodWithStatus,
  dockerStatus: string | null,
  running: boolean,
  notReady: ImageNotReady | null,
): PodPhase {
  if (pod.deletedAt) return 'deleting';
  if (running) return 'running';
  if (pod.desiredState === 'stopped') return 'stopped';
  if (dockerStatus === 'restarting' || dockerStatus === 'created') return 'starting';
  if (dockerStatus !== null) return 'failed';
  // No container yet: waiting for its image, or given up on it.
  return notReady?.pull?.state === 'failed' ? 'failed' : 'pending';
}

async function renderSpec(
  deps: ReconcileDeps,
  pod: PodWithStatus,
  network: PodNetworkInfo,
): Promise<PodSpec> {
  let adapter: AgentAdapter;
  try {
    adapter = deps.adapters.get(pod.agentType);
  } catch (err) {
    throw new TerminalError(`unknown agent type ${pod.agentType}: ${(err as Error).message}`);
  }
  const parsed = adapter.configSchema.safeParse(pod.config);
  if (!parsed.success) {
    throw new TerminalError(
      `the pod's config no longer matches the ${adapter.id} schema: ${parsed.error.message}`,
    );
  }
  const secrets = deps.secrets.decryptPodSecrets(pod.id, await getPodSecrets(deps.db, pod.id));
  const plan = adapter.render(
    {
      id: pod.id,
      tenantId: pod.tenantId,
      subdomain: pod.subdomain,
      image: pod.image,
      config: parsed.data,
    },
    {
      defaultImage: deps.adapters.defaultImageFor(adapter.id),
      publicOrigin: publicOrigin(pod.subdomain, { baseDomain: deps.baseDomain, ...deps.publicUrl }),
      // The proxy runs on the host, which the pod sees as its network's gateway: trust only that.
      proxyAddresses: [`${network.gateway}/32`],
      secrets,
    },
  );
  return buildPodSpec(pod, plan, deps.installationId, network.name, deps.containerLogs);
}

/**
 * Notes a failed reconcile on the pod: lastError always, an event only when the message changes,
 * so a retry loop does not flood the event list. A terminal failure also marks the pod failed.
 */
export async function recordReconcileFailure(
  db: Database,
  podId: string,
  err: unknown,
  retryInMs: number | null,
): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  if (isDockerNotAnswering(err)) return recordDockerNotAnswering(db, podId, message);
  try {
    const pod = await getPod(db, podId);
    await writePodStatus(db, podId, {
      lastError: message,
      ...(retryInMs === null && { phase: 'failed' }),
    });
    if (pod.status.lastError === message) return;
    await recordEvent(db, {
      podId,
      type: 'warning',
      reason: 'ReconcileFailed',
      message:
        retryInMs === null ? message : `${message} (retrying in ${Math.ceil(retryInMs / 1000)} s)`,
    });
  } catch (inner) {
    if (!(inner instanceof NotFoundError)) throw inner;
  }
}

const NOT_ANSWERING = 'Docker is not answering';

/**
 * A reconcile that found Docker not answering changed nothing (a timeout is never read as
 * "missing"). The pod says so in lastError, and gets one DockerNotAnswering event per outage,
 * not one per failed call: the event is written only when lastError did not say so already.
 * The next reconcile that reaches Docker clears lastError, which ends the outage for the pod.
 */
async function recordDockerNotAnswering(
  db: Database,
  podId: string,
  detail: string,
): Promise<void> {
  try {
    const pod = await getPod(db, podId);
    await writePodStatus(db, podId, { lastError: `${NOT_ANSWERING} (${detail})` });
    if (pod.status.lastError?.startsWith(NOT_ANSWERING)) return;
    await recordEvent(db, {
      podId,
      type: 'warning',
      reason: 'DockerNotAnswering',
      message: `${NOT_ANSWERING}: ${detail}; nothing is changed until it answers again`,
    });
  } catch (inner) {
    if (!(inner instanceof NotFoundError)) throw inner;
  }
}
