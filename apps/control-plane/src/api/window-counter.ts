/**
 * Counts hits per key (a client address) in fixed windows, in this process's memory. Bounded:
 * at most `maxKeys` keys are kept; when full, expired windows go first, then the oldest key.
 * An attacker with many addresses can push others' counts out early; it can never grow the map.
 */
export class WindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: { windowMs: number; maxKeys: number; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** Counts one hit and returns the count in the key's current window. */
  hit(key: string): number {
    const now = this.now();
    const current = this.windows.get(key);
    if (current && current.resetAt > now) {
      current.count += 1;
      return current.count;
    }
    this.windows.delete(key);
    if (this.windows.size >= this.opts.maxKeys) this.evict(now);
    this.windows.set(key, { count: 1, resetAt: now + this.opts.windowMs });
    return 1;
  }

  /** The key's count in its current window, and how long until that window ends. */
  peek(key: string): { count: number; resetInMs: number } {
    const now = this.now();
    const current = this.windows.get(key);
    if (!current || current.resetAt <= now) return { count: 0, resetInMs: 0 };
    return { count: current.count, resetInMs: current.resetAt - now };
  }

  get size(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    // Maps iterate in insertion order: the first key is the one that has waited longest.
    while (this.windows.size >= this.opts.maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }
}
