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
 * `requeueAfterMs` schedules a check, a TerminalError is dropped, anything else backs off.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
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
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.idle();
  }

  add(id: string): void {
    const timer = this.timers.get(id);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(id);
    }
    if (this.running.has(id)) {
      this.dirty.add(id);
      return;
    }
    this.pending.add(id);
    this.pump();
  }

  /** Adds the id after a delay, unless it is added sooner. An earlier deadline wins. */
  addAfter(id: string, delayMs: number): void {
    if (this.stopped || this.pending.has(id) || this.timers.has(id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.add(id);
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
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
      if (err instanceof TerminalError) {
        this.failures.delete(id);
        this.opts.onError(id, err, null);
      } else {
        const n = (this.failures.get(id) ?? 0) + 1;
        this.failures.set(id, n);
        const delay = Math.min(this.opts.backoff.baseMs * 2 ** (n - 1), this.opts.backoff.maxMs);
        this.opts.onError(id, err, delay);
        this.addAfter(id, delay);
      }
    } finally {
      this.running.delete(id);
      this.active--;
      if (this.dirty.delete(id)) this.add(id);
      this.pump();
    }
  }
}
