import type { PodEvent, PodStatus, PodWithStatus } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { verdictOf } from './commands/health.js';
import { stoppedPod } from './pod.fixture.js';
import { parseDuration, progressOf } from './wait.js';

/** The fixture asked to run at generation 3, with its status changed as given. */
function running(status: Partial<PodStatus>, pod: Partial<PodWithStatus> = {}): PodWithStatus {
  return {
    ...stoppedPod,
    desiredState: 'running',
    generation: 3,
    ...pod,
    status: {
      ...stoppedPod.status,
      lastError: null,
      observedGeneration: 3,
      image: { ...stoppedPod.status.image, pull: null },
      ...status,
    },
  };
}

function event(reason: PodEvent['reason'], message: string): PodEvent {
  return {
    id: 'evt_aaaaaaaaaaaaaaaaaaaa',
    podId: stoppedPod.id,
    type: reason === 'Started' ? 'normal' : 'warning',
    reason,
    message,
    createdAt: '2025-03-01T12:00:05.000Z',
  };
}

describe('progressOf', () => {
  it('is done only once the write is observed and the pod runs healthy', () => {
    expect(progressOf(running({ phase: 'running', health: 'healthy' }), 3, [])).toEqual({
      step: 'healthy',
      text: 'healthy',
      done: true,
    });
    // The status of the generation before the write says nothing about the write.
    const behind = progressOf(
      running({ phase: 'running', health: 'healthy', observedGeneration: 2 }),
      3,
      [],
    );
    expect(behind.done).toBeUndefined();
    expect(behind.text).toBe('waiting for the reconciler (running)');
    const starting = progressOf(running({ phase: 'running', health: 'starting' }), 3, []);
    expect(starting).toEqual({
      step: 'healthy',
      text: 'running, waiting for the first good health check',
    });
  });

  it('shows the pull with its layers and bytes', () => {
    const pulling = running({
      phase: 'pulling',
      observedGeneration: 2,
      image: {
        ref: 'registry.test/agent:1',
        pinned: null,
        pull: {
          state: 'pulling',
          attempts: 0,
          reason: null,
          message: null,
          nextAttemptAt: null,
          progress: { layers: 4, layersDone: 1, bytes: 10_485_760, bytesDone: 2_621_440 },
          generation: 3,
        },
      },
    });
    expect(progressOf(pulling, 3, [])).toEqual({
      step: 'pull',
      text: 'pulling registry.test/agent:1: 1/4 layers, 2.5/10.0 MB',
    });
  });

  it('fails with the registry words once the pull of this generation gives up', () => {
    const failedPull = (generation: number) =>
      running({
        phase: 'pending',
        image: {
          ref: 'registry.test/missing:1',
          pinned: null,
          pull: {
            state: 'failed',
            attempts: 3,
            reason: 'not_found',
            message: 'manifest unknown',
            nextAttemptAt: null,
            progress: null,
            generation,
          },
        },
      });
    expect(progressOf(failedPull(3), 3, []).failed).toBe('image pull failed: manifest unknown');
    // A give-up of the generation before this write is history.
    expect(progressOf(failedPull(2), 3, []).failed).toBeUndefined();
  });

  it('fails on a crash loop with the BackOff event, and on a failed phase with the last error', () => {
    const loop = progressOf(running({ phase: 'starting' }), 3, [
      event('Died', 'exited with code 1'),
      event('BackOff', 'backing off 10 s: it exited 3 times'),
    ]);
    expect(loop.failed).toBe('BackOff: backing off 10 s: it exited 3 times');
    const failed = progressOf(running({ phase: 'failed', lastError: 'no such image' }), 3, []);
    expect(failed.failed).toBe('no such image');
  });

  it('waits for a stop to be observed', () => {
    const stopping = { ...stoppedPod, generation: 3 };
    const before = { ...stopping, status: { ...stopping.status, phase: 'running' as const } };
    expect(progressOf(before, 3, [])).toEqual({ step: 'stop', text: 'stopping (running)' });
    const after = { ...stopping, status: { ...stopping.status, observedGeneration: 3 } };
    expect(progressOf(after, 3, []).done).toBe(true);
  });
});

describe('verdictOf (agentpod health)', () => {
  it('passes a healthy running pod and a stopped pod asked to stop', () => {
    expect(verdictOf(running({ phase: 'running', health: 'healthy' })).ok).toBe(true);
    // Stopped as asked: a pull backing off does not matter until it should run.
    expect(verdictOf(stoppedPod)).toMatchObject({ ok: true, problem: null });
  });

  it('names what is wrong with the others', () => {
    const problems = [
      running({ phase: 'running', health: 'unhealthy', lastError: 'GET /healthz: 500' }),
      running({ phase: 'running', health: 'starting' }),
      running({ phase: 'stopped' }),
      running({ phase: 'running', health: 'healthy', observedGeneration: 2 }),
    ].map((p) => verdictOf(p).problem);
    expect(problems).toEqual([
      'health check failing: GET /healthz: 500',
      'running, not yet healthy (starting)',
      'should run, is stopped',
      'a change is not applied yet',
    ]);
  });
});

describe('parseDuration', () => {
  it('reads seconds, minutes and hours, and refuses the rest', () => {
    expect([parseDuration('90'), parseDuration('90s'), parseDuration('5m')]).toEqual([
      90_000, 90_000, 300_000,
    ]);
    expect(parseDuration('1h')).toBe(3_600_000);
    for (const bad of ['0', '-1s', '5 minutes', '1.5m']) {
      expect(() => parseDuration(bad)).toThrow('must be like 90s, 5m or 1h');
    }
  });
});
