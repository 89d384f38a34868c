/**
 * Runs `work` at most once at a time: asked again while it runs, it runs once more right after,
 * however often it was asked. For loops that converge on the latest state (a proxy's routes, a
 * container's existence), where a queue of runs would only repeat the same work.
 */
export class CoalescedRun {
  private running: Promise<void> | undefined;
  private again = false;

  /** `work` must not throw: a loop catches and records its own failures. */
  constructor(private readonly work: () => Promise<void>) {}

  schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }

  /** Resolves once no run is under way or asked for. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }
}
