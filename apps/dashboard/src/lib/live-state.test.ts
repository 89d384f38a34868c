import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { applyWatchMessage, initialLiveState, livePod, mergeEvents } from './live-state';

const event = (n: number, podId = 'pod_a'): PodEvent => ({
  id: `evt_${String(n).padStart(20, '0')}`,
  podId,
  type: 'normal',
  reason: 'Started',
  message: `event ${n}`,
  createdAt: new Date(Date.UTC(2026, 10, 29, 0, 0, n)).toISOString(),
});

function pod(id: string, phase: PodWithStatus['status']['phase'], at: string): PodWithStatus {
  return {
    id,
    status: { phase, updatedAt: at, usage: null },
    updatedAt: '2026-11-29T00:00:00.000Z',
  } as unknown as PodWithStatus;
}

describe('live events', () => {
  it('keeps each event once, in id order, whatever order and repeats they arrive in', () => {
    let events = mergeEvents([], [event(1), event(3)]);
    events = mergeEvents(events, [event(2), event(3), event(4)]);
    events = mergeEvents(events, [event(4), event(1)]);
    expect(events.map((e) => e.message)).toEqual(['event 1', 'event 2', 'event 3', 'event 4']);
  });

  it('keeps only the newest when over the limit', () => {
    const events = mergeEvents([event(1), event(2)], [event(3), event(0)], 3);
    expect(events.map((e) => e.message)).toEqual(['event 1', 'event 2', 'event 3']);
  });

  it('a replay after a reconnect adds nothing twice', () => {
    let state = initialLiveState;
    for (const n of [1, 2, 3]) state = applyWatchMessage(state, { type: 'event', event: event(n) });
    state = applyWatchMessage(state, { type: 'hello', pods: [] });
    for (const n of [2, 3, 4]) state = applyWatchMessage(state, { type: 'event', event: event(n) });
    state = applyWatchMessage(state, { type: 'synced' });
    expect(state.events.map((e) => e.id)).toEqual([1, 2, 3, 4].map((n) => event(n).id));
    expect(state.connection).toBe('live');
  });
});

describe('live pods', () => {
  it('takes a newer snapshot and ignores an older one that arrives late', () => {
    let state = applyWatchMessage(initialLiveState, {
      type: 'hello',
      pods: [pod('pod_a', 'pending', '2026-11-29T00:00:01.000Z')],
    });
    state = applyWatchMessage(state, {
      type: 'pod',
      pod: pod('pod_a', 'running', '2026-11-29T00:00:03.000Z'),
    });
    state = applyWatchMessage(state, {
      type: 'pod',
      pod: pod('pod_a', 'starting', '2026-11-29T00:00:02.000Z'),
    });
    expect(state.pods?.get('pod_a')?.status.phase).toBe('running');
  });

  it('marks a pod missing from a new hello as deleted', () => {
    let state = applyWatchMessage(initialLiveState, {
      type: 'hello',
      pods: [pod('pod_a', 'running', '2026-11-29T00:00:01.000Z')],
    });
    state = applyWatchMessage(state, { type: 'synced' });
    state = applyWatchMessage(state, { type: 'hello', pods: [] });
    expect(state.pods?.get('pod_a')?.status.phase).toBe('deleted');
    expect(state.connection).toBe('connecting');
  });

  it('shows the rendered pod until the feed has a fresher one', () => {
    const rendered = pod('pod_a', 'running', '2026-11-29T00:00:05.000Z');
    expect(livePod(initialLiveState, rendered)).toBe(rendered);
    const state = applyWatchMessage(initialLiveState, {
      type: 'hello',
      pods: [pod('pod_a', 'pending', '2026-11-29T00:00:01.000Z')],
    });
    expect(livePod(state, rendered)).toBe(rendered);
    const newer = applyWatchMessage(state, {
      type: 'pod',
      pod: pod('pod_a', 'stopped', '2026-11-29T00:00:09.000Z'),
    });
    expect(livePod(newer, rendered).status.phase).toBe('stopped');
  });
});
