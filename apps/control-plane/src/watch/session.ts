// One watch connection: a snapshot of the pods, the events it missed, then every change as it
// happens, and the log lines it asks for. What to send is always read from the database (the
// notices only say what changed), so a notice that comes twice or late sends nothing wrong.
import type { PodEvent, WatchCommand, WatchMessage } from '@agentpod/shared';
import type { Database } from '../db/client.js';
import { getEventsById, listEventsSince } from '../db/queries/events.js';
import { getPodsById, listLivePods } from '../db/queries/pods.js';
import { containerName } from '../reconciler/names.js';
import { type DockerHost, followContainerLogs } from '../runtime/index.js';
import type { WatchFeed, WatchNotice } from './feed.js';

/** The catch-up reaches this far before the last event the client had (see listEventsSince). */
const OVERLAP_MS = 5_000;
/** Changes are gathered this long and read at once: a reconcile changes a pod several times. */
const FLUSH_MS = 150;
const CATCH_UP_BATCH = 500;
const MAX_LOG_STREAMS = 5;
const RESUME_TAIL = 10_000;

export interface WatchSessionDeps {
  db: Database;
  docker: DockerHost;
  feed: WatchFeed;
  send: (message: WatchMessage) => void;
}

interface LogFollow {
  stop: AbortController;
  /** False once Docker ended the stream (the container stopped) or it failed. */
  running: boolean;
  endedAt?: Date;
}

export class WatchSession {
  /** Event ids sent lately, with when: they are not sent again (catch-ups overlap). */
  private readonly sentEvents = new Map<string, number>();
  private lastEventId: string | undefined;
  private readonly knownPods = new Set<string>();
  private readonly dirtyPods = new Set<string>();
  private readonly newEvents = new Set<string>();
  private readonly logStreams = new Map<string, LogFollow>();
  private flushTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private live = false;
  private resetNeeded = false;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: WatchSessionDeps) {}

  /** Subscribes first, so that nothing said during the snapshot and the catch-up is missed. */
  async open(after: string | undefined): Promise<void> {
    this.unsubscribe = this.deps.feed.subscribe((notice) => this.noticed(notice));
    const pods = await listLivePods(this.deps.db);
    for (const pod of pods) this.knownPods.add(pod.id);
    this.deps.send({ type: 'hello', pods });
    if (after) await this.catchUp(after);
    this.deps.send({ type: 'synced' });
    this.live = true;
    this.scheduleFlush();
  }

  command(command: WatchCommand): void {
    if (command.type === 'logs-stop') {
      this.logStreams.get(command.podId)?.stop.abort();
      this.logStreams.delete(command.podId);
      return;
    }
    if (this.logStreams.has(command.podId)) return;
    if (this.logStreams.size >= MAX_LOG_STREAMS) {
      this.deps.send({
        type: 'error',
        code: 'too_many_log_streams',
        detail: `at most ${MAX_LOG_STREAMS} logs at once on one connection`,
      });
      return;
    }
    this.followLogs(command.podId, { tail: command.tail ?? 100 });
  }

  /**
   * Docker ends a log stream when its container stops. The follow is kept, idle, and taken up
   * again at the pod's next change (a restarted or recreated container is running again), from
   * where it ended: the client asked for the pod's log, not for one container's.
   */
  private followLogs(podId: string, from: { tail: number } | { since: Date }): void {
    const follow: LogFollow = { stop: new AbortController(), running: true };
    this.logStreams.set(podId, follow);
    followContainerLogs(this.deps.docker, containerName(podId), {
      // After a stop: everything the next container said since (bounded, as a first tail is).
      ...('since' in from ? { since: from.since, tail: RESUME_TAIL } : { tail: from.tail }),
      signal: follow.stop.signal,
      onLine: (line) => this.deps.send({ type: 'log', podId, line }),
    })
      .catch((err: unknown) => {
        // A container that is gone for good (removed, being recreated) is not a failure of the
        // follow: it resumes with the next container.
        if ((err as { code?: string }).code === 'docker_not_found') return;
        this.deps.send({ type: 'error', code: 'logs_failed', detail: (err as Error).message });
      })
      .finally(() => {
        follow.running = false;
        follow.endedAt = new Date();
      });
  }

  /** Takes up a follow whose container had stopped; a pod change is the sign to try again. */
  private resumeLogs(podId: string): void {
    const follow = this.logStreams.get(podId);
    if (!follow || follow.running || follow.stop.signal.aborted || this.closed) return;
    this.followLogs(podId, { since: follow.endedAt ?? new Date() });
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    clearTimeout(this.flushTimer);
    for (const follow of this.logStreams.values()) follow.stop.abort();
    this.logStreams.clear();
  }

  /** Resolves once what was noticed so far has been sent (tests). */
  async flushed(): Promise<void> {
    while (this.flushTimer) await new Promise((resolve) => setTimeout(resolve, FLUSH_MS));
    await this.chain;
  }

  private noticed(notice: WatchNotice): void {
    if (notice.kind === 'pod' || notice.kind === 'usage') this.dirtyPods.add(notice.podId);
    else if (notice.kind === 'event') this.newEvents.add(notice.eventId);
    else if (notice.kind === 'reset') this.resetNeeded = true;
    if (this.live) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      // A failed read is retried with the next notice; the session stays open.
      this.chain = this.chain.then(() => this.flush()).catch(() => undefined);
    }, FLUSH_MS);
    this.flushTimer.unref();
  }

  private async flush(): Promise<void> {
    if (this.closed) return;
    if (this.resetNeeded) {
      // Notices were lost while the feed reconnected: every pod again, and the events since.
      this.resetNeeded = false;
      for (const id of this.knownPods) this.dirtyPods.add(id);
      if (this.lastEventId) await this.catchUp(this.lastEventId);
    }
    const eventIds = [...this.newEvents];
    const podIds = [...this.dirtyPods];
    this.newEvents.clear();
    this.dirtyPods.clear();
    for (const event of await getEventsById(this.deps.db, eventIds)) this.sendEvent(event);
    for (const pod of await getPodsById(this.deps.db, podIds)) {
      this.knownPods.add(pod.id);
      this.deps.send({ type: 'pod', pod });
      if (pod.status.phase === 'running') this.resumeLogs(pod.id);
    }
    this.forgetOldEvents();
  }

  private async catchUp(after: string): Promise<void> {
    // Only the first page reaches back: the following ones start right after the last one.
    for (let from = after, overlapMs = OVERLAP_MS; ; overlapMs = 0) {
      const batch = await listEventsSince(this.deps.db, from, {
        overlapMs,
        limit: CATCH_UP_BATCH,
      });
      for (const event of batch) this.sendEvent(event);
      const last = batch[batch.length - 1];
      if (batch.length < CATCH_UP_BATCH || !last) return;
      from = last.id;
    }
  }

  private sendEvent(event: PodEvent): void {
    if (this.sentEvents.has(event.id)) return;
    this.sentEvents.set(event.id, Date.now());
    if (!this.lastEventId || event.id > this.lastEventId) this.lastEventId = event.id;
    this.deps.send({ type: 'event', event });
  }

  /** Ids older than the overlap (with room to spare) cannot come back in a catch-up. */
  private forgetOldEvents(): void {
    const before = Date.now() - 12 * OVERLAP_MS;
    for (const [id, at] of this.sentEvents) if (at < before) this.sentEvents.delete(id);
  }
}
