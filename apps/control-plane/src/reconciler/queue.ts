/** Thrown when retrying cannot help (bad config, unknown agent type): recorded, not retried. */
export class TerminalError extends Error {
  constructor(
    message: string,
    readonly reason = 'ReconcileFailed',
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}

/**
 * Thrown when this process lost leadership (or is stepping down) before a Docker mutation: the
 * next leader reconciles the pod from scratch, so this is neither retried nor recorded.
 */
export class LeadershipLostError extends Error {
  constructor(message = 'this control plane no longer leads: the next leader takes over') {
    super(message);
    this.name = 'LeadershipLostError';
  }
}

export type ReconcileResult = { requeueAfterMs?: number } | undefined;

export interface WorkQueueOptions {
  concurrency: number;
  /** Backoff after a failure: baseMs * 2^(failures-1), capped at maxMs. */
  backoff: { baseMs: number; maxMs: number };
  /** A thrown error of any kind, after the queue decided when to retry (null: not retried). */
  onError: (id: string, err: unknown, retryInMs: number | null) => void;
}

/**
 * A de-duplicating work queue of ids (controller-runtime's workqueue, small). An id is never
 * handled by two workers at once: added while it runs, it is marked dirty and handled again
 * right after. One switch decides what follows a run: success forgets the failure count,
 * `requeueAfterMs` schedules a check, a TerminalError is dropped, a LeadershipLostError is left
 * to the next leader, anything else backs off; `add` waits out a backoff, `addNow` does not.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  /** Delayed adds: when each is due, and whether it is a failure's backoff. */
  private readonly timers = new Map<
    string,
    { timer: NodeJS.Timeout; at: number; backoff: boolean }
  >();
  /** Dirty ids whose rerun is for a changed desired state: it skips the backoff. */
  private readonly urgent = new Set<string>();
  private readonly failures = new Map<string, number>();
  private active = 0;
  private stopped = true;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handle: (id: string) => Promise<ReconcileResult>,
    private readonly opts: WorkQueueOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.pump();
  }

  /** Stops taking work and waits for the running handlers to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.urgent.clear();
    await this.idle();
  }

  /**
   * Something may have changed (an event, a resync): handle the id soon. An id backing off after
   * a failure waits for its retry: events and resyncs would otherwise retry it at once, forever.
   */
  add(id: string): void {
    if (this.timers.get(id)?.backoff) return;
    this.enqueue(id);
  }

  /**
   * The pod's desired state changed (an API write): handle it at once, backoff or not, and count
   * its failures from zero: the old ones were about a spec that no longer exists.
   */
  addNow(id: string): void {
    this.failures.delete(id);
    if (this.running.has(id)) this.urgent.add(id);
    this.enqueue(id);
  }

  /** Adds the id after a delay, unless it is added sooner. An earlier deadline wins. */
  addAfter(id: string, delayMs: number, backoff = false): void {
    if (this.stopped || this.pending.has(id)) return;
    const at = Date.now() + delayMs;
    const existing = this.timers.get(id);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.enqueue(id);
    }, delayMs);
    timer.unref();
    this.timers.set(id, { timer, at, backoff });
  }

  private enqueue(id: string): void {
    const delayed = this.timers.get(id);
    if (delayed) {
      clearTimeout(delayed.timer);
      this.timers.delete(id);
    }
    if (this.running.has(id)) {
      this.dirty.add(id);
      return;
    }
    this.pending.add(id);
    this.pump();
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  get size(): number {
    return this.pending.size + this.running.size;
  }

  /** Resolves when nothing is pending or running (tests and shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && (this.pending.size === 0 || this.stopped)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.active < this.opts.concurrency) {
      const id = [...this.pending].find((p) => !this.running.has(p));
      if (id === undefined) break;
      this.pending.delete(id);
      this.running.add(id);
      this.active++;
      void this.run(id);
    }
    if (this.active === 0 && (this.pending.size === 0 || this.stopped)) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(id: string): Promise<void> {
    try {
      const result = await this.handle(id);
      this.failures.delete(id);
      if (result?.requeueAfterMs !== undefined) this.addAfter(id, result.requeueAfterMs);
    } catch (err) {
      if (err instanceof LeadershipLostError) {
        // Not the pod's failure: whoever leads next reconciles it.
      } else if (err instanceof TerminalError) {
        this.failures.delete(id);
        this.opts.onError(id, err, null);
      } else {
        const n = (this.failures.get(id) ?? 0) + 1;
        this.failures.set(id, n);
        const delay = Math.min(this.opts.backoff.baseMs * 2 ** (n - 1), this.opts.backoff.maxMs);
        this.opts.onError(id, err, delay);
        this.addAfter(id, delay, true);
      }
    } finally {
      this.running.delete(id);
      this.active--;
      if (this.dirty.delete(id)) {
        if (this.urgent.delete(id)) this.addNow(id);
        else this.add(id);
      }
      this.pump();
    }
  }
}
