import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { progressSteps } from './progress-steps';

function pod(status: Partial<PodWithStatus['status']>): PodWithStatus {
  return {
    status: {
      phase: 'pending',
      health: 'unknown',
      lastError: null,
      image: { ref: null, pinned: null, pull: null },
      ...status,
    },
  } as PodWithStatus;
}
const events = (...reasons: PodEvent['reason'][]) =>
  reasons.map((reason) => ({ reason }) as PodEvent);
const states = (steps: ReturnType<typeof progressSteps>) => steps.map((s) => `${s.id}:${s.state}`);

describe('a new pod on its way to healthy', () => {
  it('shows the pull under way with its layers', () => {
    const steps = progressSteps(
      pod({
        phase: 'pulling',
        image: {
          ref: 'x',
          pinned: null,
          pull: {
            state: 'pulling',
            attempts: 0,
            reason: null,
            message: null,
            nextAttemptAt: null,
            progress: { layers: 4, layersDone: 1, bytes: 10, bytesDone: 2 },
            generation: 1,
          },
        },
      }),
      [],
    );
    expect(states(steps)).toEqual([
      'image:active',
      'create:waiting',
      'start:waiting',
      'healthy:waiting',
    ]);
    expect(steps[0]?.detail).toBe('1 of 4 layers');
  });

  it('ticks off each step from the events, and healthy from the status', () => {
    expect(
      states(progressSteps(pod({ phase: 'starting' }), events('ImagePinned', 'Created'))),
    ).toEqual(['image:done', 'create:done', 'start:active', 'healthy:waiting']);
    expect(
      states(progressSteps(pod({ phase: 'running', health: 'healthy' }), events('Started'))),
    ).toEqual(['image:done', 'create:done', 'start:done', 'healthy:done']);
  });

  it('marks the step it stopped at as failed, with the reason', () => {
    const steps = progressSteps(pod({ phase: 'failed', lastError: 'no such image' }), []);
    expect(states(steps)[0]).toBe('image:failed');
    expect(steps[0]?.detail).toBe('no such image');
  });
});
