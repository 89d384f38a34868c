import { describe, expect, it } from 'vitest';
import { WindowCounter } from './window-counter.js';

describe('WindowCounter', () => {
  it('counts per key within a window and starts again after it', () => {
    let now = 0;
    const counter = new WindowCounter({ windowMs: 60_000, maxKeys: 10, now: () => now });
    expect([counter.hit('a'), counter.hit('a'), counter.hit('b')]).toEqual([1, 2, 1]);
    expect(counter.peek('a')).toEqual({ count: 2, resetInMs: 60_000 });
    now = 59_999;
    expect(counter.hit('a')).toBe(3);
    now = 60_000;
    expect(counter.peek('a')).toEqual({ count: 0, resetInMs: 0 });
    expect(counter.hit('a')).toBe(1);
  });

  it('never holds more than maxKeys keys, dropping expired ones first, then the oldest', () => {
    let now = 0;
    const counter = new WindowCounter({ windowMs: 1_000, maxKeys: 100, now: () => now });
    for (let i = 0; i < 10_000; i++) {
      counter.hit(`10.0.${i >> 8}.${i & 255}`);
      now += 1;
      expect(counter.size).toBeLessThanOrEqual(100);
    }
    // The newest keys are the ones kept.
    expect(counter.peek('10.0.39.15').count).toBe(1);
    expect(counter.peek('10.0.0.0').count).toBe(0);
  });
});
