import { listPodIdsToReconcile } from '../db/queries/pods.js';
import { type Logger, LoopLog } from '../logger.js';
import {
  type DockerEvent,
  DockerEventStream,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_POD_ID,
} from '../runtime/index.js';
import type { ExitHint } from './exits.js';
import type { Leadership } from './leader.js';
import { WorkQueue } from './queue.js';
import { type ReconcileDeps, reconcilePod, recordReconcileFailure } from './reconcile.js';

export interface ReconcilerOptions {
  resyncIntervalMs: number;
  concurrency: number;
  backoff: { baseMs: number; maxMs: number };
  leaderRetryMs: number;
  /** After every reconcile, whatever its outcome (the proxy sync listens). */
  onReconciled?: (podId: string) => void;
}

/** Background parts that run only while this process leads (the prober, the sweeper). */
export interface LeaderTask {
  start(): void;
  stop(): void | Promise<void>;
}

/**
 * Runs reconciles: a full resync every `resyncIntervalMs`, at once on every API write
 * (`notify`), and on Docker events of AgentPod's containers. Only while holding leadership.
 */
export class Reconciler {
  private readonly queue: WorkQueue;
  private readonly events: DockerEventStream;
  private resyncTimer: NodeJS.Timeout | undefined;
  private leaderTimer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = true;
  private readonly resyncLog: LoopLog;
  private readonly campaignLog: LoopLog;
  /** Exit codes from `die` events, by pod: a detail the reconcile cannot read afterwards. */
  private readonly exitHints = new Map<string, ExitHint>();

  constructor(
    private readonly deps: ReconcileDeps & { logger: Logger },
    private readonly leadership: Leadership,
    private readonly opts: ReconcilerOptions,
    private readonly leaderTasks: LeaderTask[] = [],
  ) {
    this.resyncLog = new LoopLog(deps.logger, 'resync');
    this.campaignLog = new LoopLog(deps.logger, 'trying for reconciler leadership');
    const reconcileDeps = { ...deps, exitHints: (id: string) => this.exitHints.get(id) };
    const reconcile = async (id: string) => {
      try {
        return await reconcilePod(reconcileDeps, id);
      } finally {
        opts.onReconciled?.(id);
      }
    };
    this.queue = new WorkQueue(reconcile, {
      concurrency: opts.concurrency,
      backoff: opts.backoff,
      onError: (id, err, retryInMs) => {
        deps.logger.warn({ podId: id, err: (err as Error).message, retryInMs }, 'reconcile failed');
        recordReconcileFailure(deps.db, id, err, retryInMs).catch((e: unknown) =>
          deps.logger.error({ podId: id, err: e }, 'could not record a reconcile failure'),
        );
      },
    });
    this.events = new DockerEventStream(deps.docker, {
      filters: {
        type: ['container'],
        // Only this installation's containers: another one on the same host is not our business.
        label: [`${LABEL_MANAGED}=true`, `${LABEL_INSTALLATION}=${deps.installationId}`],
        event: ['die', 'oom', 'start', 'destroy', 'health_status'],
      },
      onEvent: (e) => this.onDockerEvent(e),
      onStateChange: (state) => {
        deps.logger.info({ state }, 'docker event stream');
        // Events missed while disconnected are gone: a resync catches up on them.
        if (state === 'connected' && this.leading) void this.resync();
      },
      reconnectDelayMs: { min: 500, max: 10_000 },
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.campaign();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.leaderTimer);
    await this.stepDown();
    await this.leadership.release();
  }

  /** An API write changed the pod's desired state. */
  notify(podId: string): void {
    if (this.leading) this.queue.add(podId);
  }

  /** For tests: resolves when no reconcile is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async resync(): Promise<void> {
    try {
      for (const id of await listPodIdsToReconcile(this.deps.db)) this.queue.add(id);
      this.resyncLog.succeeded();
    } catch (err) {
      this.resyncLog.failed(err);
    }
  }

  /** Called by the leadership when its connection is lost. */
  lostLeadership(err: Error): void {
    this.deps.logger.error({ err: err.message }, 'lost reconciler leadership');
    this.stepDown()
      .then(() => this.campaign())
      .catch((e: unknown) => this.deps.logger.error({ err: e }, 'could not step down'));
  }

  private async campaign(): Promise<void> {
    if (this.stopped || this.leading) return;
    try {
      const acquired = await this.leadership.tryAcquire();
      this.campaignLog.succeeded();
      if (acquired) {
        this.stepUp();
        return;
      }
    } catch (err) {
      this.campaignLog.failed(err);
    }
    this.leaderTimer = setTimeout(() => void this.campaign(), this.opts.leaderRetryMs);
    this.leaderTimer.unref();
  }

  private stepUp(): void {
    this.leading = true;
    this.deps.logger.info('this control plane now runs the reconciler');
    this.queue.start();
    this.events.start();
    for (const task of this.leaderTasks) task.start();
    void this.resync();
    this.resyncTimer = setInterval(() => void this.resync(), this.opts.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  private async stepDown(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    clearInterval(this.resyncTimer);
    // Awaited: start() on a stream that is still stopping would return early and never listen.
    await this.events.stop();
    for (const task of this.leaderTasks) await task.stop();
    await this.queue.stop();
  }

  private onDockerEvent(event: DockerEvent): void {
    const podId = event.attributes[LABEL_POD_ID];
    if (!podId) return;
    // A container that died or started again is a new agent process: its probe history is void.
    if (event.action === 'die' || event.action === 'start') this.deps.health.reset(podId);
    // The exit itself is read from the container at the reconcile; the event only knows the
    // exit code that Docker forgets once its restart policy starts the container again.
    const exitCode = Number(event.attributes.exitCode);
    if (event.action === 'die' && Number.isInteger(exitCode)) {
      const at = new Date(Number(event.timeNano / 1_000_000n));
      this.exitHints.set(podId, { containerId: event.id, exitCode, at });
    }
    this.queue.add(podId);
  }
}
