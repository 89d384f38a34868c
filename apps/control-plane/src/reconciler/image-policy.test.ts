import { describe, expect, it } from 'vitest';
import { type PullPolicy, pullFailed, pullGate, pullStarted } from './image-policy.js';

const policy: PullPolicy = { baseMs: 10_000, maxMs: 40_000, permanentAttempts: 3 };
const now = Date.parse('2026-11-29T12:00:00.000Z');
const notFound = { reason: 'not_found' as const, message: 'manifest unknown' };
const unreachable = { reason: 'unreachable' as const, message: 'connection refused' };

describe('image pull policy', () => {
  it('lets the first pull go, and one cut short by a crash', () => {
    expect(pullGate(null, 1, now)).toEqual({ go: true });
    expect(pullGate(pullStarted(null, 1), 1, now)).toEqual({ go: true });
  });

  it('backs off exponentially up to the cap while the registry cannot be reached, never giving up', () => {
    let pull = null;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      pull = pullFailed(pull, unreachable, 1, now, policy);
      expect(pull.state).toBe('backoff');
      delays.push(Date.parse(pull.nextAttemptAt ?? '') - now);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 40_000, 40_000, 40_000]);
    expect(pullGate(pull, 1, now)).toEqual({ go: false, retryInMs: 40_000 });
    expect(pullGate(pull, 1, now + 40_000)).toEqual({ go: true });
  });

  it('gives up on a name that does not exist after the permanent-attempt limit, until the pod changes', () => {
    let pull = pullFailed(null, notFound, 4, now, policy);
    pull = pullFailed(pull, notFound, 4, now, policy);
    expect(pull).toMatchObject({ state: 'backoff', attempts: 2, reason: 'not_found' });
    pull = pullFailed(pull, notFound, 4, now, policy);
    expect(pull).toMatchObject({ state: 'failed', attempts: 3, nextAttemptAt: null });
    expect(pullGate(pull, 4, now + 3_600_000)).toEqual({ go: false, retryInMs: null });
    // A write to the pod bumps its generation: the count starts over.
    expect(pullGate(pull, 5, now)).toEqual({ go: true });
    expect(pullFailed(pull, notFound, 5, now, policy).attempts).toBe(1);
  });

  it('keeps the count and the last reason while a retry is pulling', () => {
    const failed = pullFailed(null, unreachable, 2, now, policy);
    expect(pullStarted(failed, 2)).toMatchObject({
      state: 'pulling',
      attempts: 1,
      reason: 'unreachable',
      nextAttemptAt: null,
    });
    expect(pullStarted(failed, 3)).toMatchObject({ attempts: 0, reason: null });
  });
});
