import { listPodIdsToReconcile, listResyncRows } from '../db/queries/pods.js';
import { type Logger, LoopLog } from '../logger.js';
import {
  type DockerEvent,
  DockerEventStream,
  type DockerOutage,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_POD_ID,
  listContainers,
} from '../runtime/index.js';
import type { ExitHint } from './exits.js';
import type { Leadership } from './leader.js';
import { LeadershipLostError, WorkQueue } from './queue.js';
import { type ReconcileDeps, reconcilePod, recordReconcileFailure } from './reconcile.js';
import { type ResyncRow, unsettledPodIds } from './resync.js';

export interface ReconcilerOptions {
  resyncIntervalMs: number;
  concurrency: number;
  backoff: { baseMs: number; maxMs: number };
  leaderRetryMs: number;
  /** After every reconcile, whatever its outcome (the proxy sync listens). */
  onReconciled?: (podId: string) => void;
  /** Awaited after every reconcile, before the pod counts as done (`idle()` waits for it). */
  afterReconcile?: (podId: string) => Promise<void>;
  /**
   * The periodic resync's rows from memory (the pod cache); null while it is not current, and
   * unset: the database is asked each time (`listResyncRows`).
   */
  resyncRows?: () => ResyncRow[] | null;
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
  /**
   * Aborted the moment this term of leadership ends: every reconcile checks it before each Docker
   * mutation, so one still running after a step-down cannot fight the next leader.
   */
  private term = new AbortController();
  private stopped = true;
  private readonly resyncLog: LoopLog;
  private readonly campaignLog: LoopLog;
  private unwatchOutage: (() => void) | undefined;
  private outageSince: Date | undefined;
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
        return await reconcilePod({ ...reconcileDeps, fence: this.term.signal }, id);
      } finally {
        opts.onReconciled?.(id);
        await opts.afterReconcile?.(id);
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
        // Events missed while disconnected are gone: a full resync catches up on them.
        if (state === 'connected' && this.leading) void this.resync({ full: true });
        if (state === 'disconnected') deps.crashLoop?.dockerWasAway();
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

  /**
   * Takes no new work, lets the reconciles in flight finish, then releases leadership. Bounded by
   * the caller (the server's shutdown deadline): a process that exits mid-reconcile is a crash,
   * which the next leader's level-triggered reconcile repairs.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.leaderTimer);
    await this.stepDown('stopping');
    await this.leadership.release();
  }

  /** An API write changed the pod's desired state: at once, even while it backs off. */
  notify(podId: string): void {
    if (this.leading) this.queue.addNow(podId);
  }

  /** Something about the pod may have changed (its health): soon, but after any backoff. */
  wake(podId: string): void {
    if (this.leading) this.queue.add(podId);
  }

  /** For tests: resolves when no reconcile is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Queues the pods that may be out of step, judged from one query and one container listing
   * (resync.ts); `full` queues every pod. A pod that is backing off after a failure waits its
   * turn, unless `now` (implies full): the failures had one cause that is gone (Docker answers
   * again), so none is the pod's own.
   */
  async resync({ now = false, full = now }: { now?: boolean; full?: boolean } = {}): Promise<void> {
    try {
      // A full pass trusts nothing it remembers: the pod network is looked up again too.
      if (full) this.deps.podNetwork.forget();
      const ids = full ? await listPodIdsToReconcile(this.deps.db) : await this.unsettledPods();
      for (const id of ids) {
        if (now) this.queue.addNow(id);
        else this.queue.add(id);
      }
      this.resyncLog.succeeded();
    } catch (err) {
      this.resyncLog.failed(err);
    }
  }

  /**
   * The pods a listing cannot vouch for. Its cost is logged at debug level (Docker calls, CPU of
   * the whole process meanwhile, so an upper bound): docs/performance.md's P3 figures.
   */
  private async unsettledPods(): Promise<string[]> {
    const cpu = process.cpuUsage();
    const calls = this.deps.docker.calls;
    const started = performance.now();
    const { ids, pods, rowsFrom } = await this.listUnsettled();
    const used = process.cpuUsage(cpu);
    this.deps.logger.debug(
      {
        pods,
        rowsFrom,
        queued: ids.length,
        dockerCalls: this.deps.docker.calls - calls,
        cpuMs: Math.round((used.user + used.system) / 100) / 10,
        ms: Math.round(performance.now() - started),
      },
      'resync pass',
    );
    return ids;
  }

  private async listUnsettled(): Promise<{
    ids: string[];
    pods: number;
    rowsFrom: 'cache' | 'database';
  }> {
    const labels = {
      [LABEL_MANAGED]: 'true',
      [LABEL_INSTALLATION]: this.deps.installationId,
    };
    const held = this.opts.resyncRows?.();
    const [rows, containers] = await Promise.all([
      held ?? listResyncRows(this.deps.db),
      // Docker not answering: every pod's own reconcile finds out (and says so in its status).
      listContainers(this.deps.docker, labels).catch(() => null),
    ]);
    const rowsFrom = held ? 'cache' : 'database';
    if (!containers) return { ids: rows.map((r) => r.id), pods: rows.length, rowsFrom };
    const ids = unsettledPodIds(
      rows,
      containers,
      this.deps.podNetwork.name,
      // A crash-looping pod's held restarts are let go by a reconcile once it has run fine.
      (id) => this.deps.crashLoop?.hasCrashes(id) ?? false,
    );
    return { ids, pods: rows.length, rowsFrom };
  }

  /** Called by the leadership when its connection is lost. */
  lostLeadership(err: Error): void {
    this.deps.logger.error({ err: err.message }, 'lost reconciler leadership');
    this.stepDown('lost')
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
    this.term = new AbortController();
    this.deps.logger.info('this control plane now runs the reconciler');
    this.queue.start();
    this.events.start();
    for (const task of this.leaderTasks) task.start();
    this.unwatchOutage = this.deps.docker.onOutageChange((outage) => this.onDockerOutage(outage));
    // Every pod once: what changed while no one led (an upgrade's new defaults) shows no trace
    // a listing could catch.
    void this.resync({ full: true });
    this.resyncTimer = setInterval(() => void this.resync(), this.opts.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  /**
   * `lost`: another process may lead already, so reconciles in flight are fenced at once.
   * `stopping`: the lock is still ours until released, so they may finish first.
   */
  private async stepDown(why: 'lost' | 'stopping'): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    if (why === 'lost') this.term.abort(new LeadershipLostError());
    clearInterval(this.resyncTimer);
    this.unwatchOutage?.();
    // No new reconcile from here on (not even a requeue coming due); the running ones finish.
    const queueStopped = this.queue.stop();
    // Awaited: start() on a stream that is still stopping would return early and never listen.
    await this.events.stop();
    for (const task of this.leaderTasks) await task.stop();
    await queueStopped;
    this.term.abort(new LeadershipLostError());
  }

  /** Logged once per outage; pods that backed off during it are retried at once when it ends. */
  private onDockerOutage(outage: DockerOutage | null): void {
    if (outage) {
      this.outageSince = outage.since;
      this.deps.logger.error({ err: outage.error.message }, 'Docker is not answering');
      return;
    }
    this.deps.crashLoop?.dockerWasAway();
    const seconds = this.outageSince ? (Date.now() - this.outageSince.getTime()) / 1000 : 0;
    this.deps.logger.info({ afterSeconds: Math.round(seconds) }, 'Docker is answering again');
    this.outageSince = undefined;
    void this.resync({ now: true });
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
