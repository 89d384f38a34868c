import { describe, expect, it } from 'vitest';
import { backOffMessage, CrashLoopTracker } from './crash-loop.js';
import { type DesiredPod, type ObservedPod, plan } from './plan.js';
import type { PodSpec } from './spec.js';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms);
const view = (over: { running: boolean; startedAt: number; finishedAt: number | null }) => ({
  id: 'c1',
  running: over.running,
  startedAt: at(over.startedAt),
  finishedAt: over.finishedAt === null ? null : at(over.finishedAt),
});

describe('CrashLoopTracker', () => {
  const make = () => new CrashLoopTracker({ baseMs: 10_000, maxMs: 300_000 });

  it('lets Docker restart the first crash, then holds restarts with a growing, capped delay', () => {
    const tracker = make();
    expect(
      tracker.observe('p', view({ running: true, startedAt: 0, finishedAt: null }), at(1)),
    ).toMatchObject({ crashes: 0, holdRestarts: false, newCrash: false });
    // Crash 1: Docker already restarted it.
    const first = tracker.observe(
      'p',
      view({ running: true, startedAt: 1_100, finishedAt: 1_000 }),
      at(1_200),
    );
    expect(first).toMatchObject({
      crashes: 1,
      holdRestarts: false,
      backOffUntil: null,
      newCrash: true,
    });
    // Crash 2: from now on AgentPod restarts it.
    const second = tracker.observe(
      'p',
      view({ running: true, startedAt: 2_100, finishedAt: 2_000 }),
      at(2_200),
    );
    expect(second).toMatchObject({ crashes: 2, holdRestarts: true });
    // Crash 3 with policy `no`: it stays down for 20 s.
    const third = tracker.observe(
      'p',
      view({ running: false, startedAt: 2_100, finishedAt: 3_000 }),
      at(3_100),
    );
    expect(third).toMatchObject({
      crashes: 3,
      holdRestarts: true,
      delayMs: 20_000,
      newCrash: true,
    });
    expect(third.backOffUntil).toEqual(at(23_000));
    // Looked at again during the back-off: the same crash, not a new one.
    expect(
      tracker.observe(
        'p',
        view({ running: false, startedAt: 2_100, finishedAt: 3_000 }),
        at(10_000),
      ),
    ).toMatchObject({ crashes: 3, newCrash: false, backOffUntil: at(23_000) });
    // After it: no longer waiting, still holding.
    expect(
      tracker.observe(
        'p',
        view({ running: false, startedAt: 2_100, finishedAt: 3_000 }),
        at(23_001),
      ),
    ).toMatchObject({ holdRestarts: true, backOffUntil: null });
    expect([2, 3, 4, 5, 6, 7, 8, 20].map((n) => tracker.delayFor(n))).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });

  it('forgives the crashes once the agent has run fine for twice the cap', () => {
    const tracker = make();
    tracker.observe('p', view({ running: true, startedAt: 0, finishedAt: null }), at(1));
    tracker.observe('p', view({ running: true, startedAt: 1_100, finishedAt: 1_000 }), at(1_200));
    tracker.observe('p', view({ running: true, startedAt: 2_100, finishedAt: 2_000 }), at(2_200));
    const fine = tracker.observe(
      'p',
      view({ running: true, startedAt: 2_100, finishedAt: 2_000 }),
      at(2_100 + 600_000),
    );
    expect(fine).toMatchObject({ crashes: 0, holdRestarts: false });
  });

  it('does not count exits AgentPod caused, nor the history of a container it sees first', () => {
    const tracker = make();
    expect(
      tracker.observe('p', view({ running: true, startedAt: 5_000, finishedAt: 4_000 }), at(6_000)),
    ).toMatchObject({ crashes: 0, newCrash: false });
    tracker.ownExit('p', view({ running: true, startedAt: 7_100, finishedAt: 7_000 }));
    expect(
      tracker.observe('p', view({ running: true, startedAt: 7_100, finishedAt: 7_000 }), at(8_000)),
    ).toMatchObject({ crashes: 0, newCrash: false });
  });

  it('counts the first exit of a container it made, even one that came before it looked again', () => {
    const tracker = make();
    tracker.made('p', 'c1');
    // The next look finds it already restarted by Docker: that exit is crash 1.
    expect(
      tracker.observe('p', view({ running: true, startedAt: 1_100, finishedAt: 1_000 }), at(1_200)),
    ).toMatchObject({ crashes: 1, newCrash: true });
  });

  it('does not count the exits of a daemon restart as crashes', () => {
    const tracker = make();
    tracker.observe('p', view({ running: true, startedAt: 0, finishedAt: null }), at(1));
    tracker.observe('p', view({ running: true, startedAt: 1_100, finishedAt: 1_000 }), at(1_200));
    tracker.dockerWasAway();
    expect(
      tracker.observe('p', view({ running: true, startedAt: 9_000, finishedAt: 8_000 }), at(9_100)),
    ).toMatchObject({ crashes: 1, holdRestarts: false, newCrash: false });
    expect(
      tracker.observe('p', view({ running: true, startedAt: 9_600, finishedAt: 9_500 }), at(9_700)),
    ).toMatchObject({ crashes: 2, holdRestarts: true, newCrash: true });
  });

  it('says what it does in kubelet words', () => {
    expect(backOffMessage(40_000)).toBe('back-off 40s restarting failed container');
  });
});

describe('plan with a crash-loop back-off', () => {
  const desired = (backOff: DesiredPod['backOff']): DesiredPod => ({
    deleting: false,
    purge: false,
    power: 'running',
    restartRequestedAt: null,
    spec: { hash: 'h1' } as PodSpec,
    backOff,
  });
  const observed = (running: boolean, restartPolicy: string): ObservedPod => ({
    volumeExists: true,
    container: { id: 'c1', running, specHash: 'h1', startedAt: at(0), restartPolicy },
    health: 'unknown',
  });
  const types = (d: DesiredPod, o: ObservedPod) => plan(d, o).map((a) => a.type);

  it('does not start a crashed container while it waits out its back-off', () => {
    expect(types(desired({ holdRestarts: true, waiting: true }), observed(false, 'no'))).toEqual(
      [],
    );
    expect(types(desired({ holdRestarts: true, waiting: false }), observed(false, 'no'))).toEqual([
      'startContainer',
    ]);
  });

  it('takes restarts from Docker while holding them, and gives them back after', () => {
    expect(
      plan(desired({ holdRestarts: true, waiting: false }), observed(true, 'unless-stopped')),
    ).toEqual([{ type: 'setRestartPolicy', policy: 'no' }]);
    expect(plan(desired({ holdRestarts: false, waiting: false }), observed(true, 'no'))).toEqual([
      { type: 'setRestartPolicy', policy: 'unless-stopped' },
    ]);
    expect(plan(desired(undefined), observed(true, 'unless-stopped'))).toEqual([]);
  });
});
