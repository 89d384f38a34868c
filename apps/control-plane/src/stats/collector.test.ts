import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatsCollector } from './collector.js';

// The pacing of the passes alone: `collect` (one pass over real containers, tested in
// usage-sources.int.test.ts) is replaced by one that reports how many readings it took.
describe('StatsCollector pacing', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass every interval, and spaces them out once a pass takes more readings than the cap allows', async () => {
    vi.useFakeTimers();
    const said: { msg: string; everyMs?: number }[] = [];
    const collector = new StatsCollector(null as never, null as never, {
      intervalMs: 1_000,
      maxPerSecond: 2,
      concurrency: 1,
      logger: pino({ level: 'info' }, { write: (line) => said.push(JSON.parse(line)) }),
    });
    let readings = 1;
    const passes: number[] = [];
    vi.spyOn(collector, 'collect').mockImplementation(async () => {
      passes.push(Date.now());
      return readings;
    });
    const t0 = Date.now();
    collector.start();
    await vi.advanceTimersByTimeAsync(3_000);
    // One reading a pass is under the cap: a pass a second.
    expect(passes.map((at) => at - t0)).toEqual([1_000, 2_000, 3_000]);
    // Ten readings at two a second: the next pass 5 s after the last one started.
    readings = 10;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(passes).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(passes).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes[4]).toBe(t0 + 9_000);
    expect(collector.intervalMsFor(10)).toBe(5_000);
    expect(collector.intervalMsFor(1)).toBe(1_000);
    // Said once when the cap began to space the passes out, once when it stopped.
    expect(said.map((l) => [l.msg, l.everyMs])).toEqual([
      [expect.stringMatching(/spaced out/), 5_000],
    ]);
    readings = 1;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(passes).toHaveLength(6);
    expect(said.map((l) => l.msg)).toEqual([
      expect.stringMatching(/spaced out/),
      'stats passes back at their interval',
    ]);
    await collector.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(passes).toHaveLength(6);
  });
});
