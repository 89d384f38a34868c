// Where a new pod is on its way to healthy, from its live status and events. Pure.
import type { PodEvent, PodWithStatus } from '@agentpod/shared';

export type StepState = 'waiting' | 'active' | 'done' | 'failed';

export interface Step {
  id: 'image' | 'create' | 'start' | 'healthy';
  label: string;
  state: StepState;
  detail: string | null;
}

const LATER: Record<Step['id'], string[]> = {
  image: ['creating', 'starting', 'running'],
  create: ['starting', 'running'],
  start: ['running'],
  healthy: [],
};

export function progressSteps(pod: PodWithStatus, events: readonly PodEvent[]): Step[] {
  const seen = new Set(events.map((e) => e.reason));
  const { phase, health, image } = pod.status;
  const pull = image.pull;
  const done = (id: Step['id'], reasons: string[]) =>
    reasons.some((r) => seen.has(r as PodEvent['reason'])) || LATER[id].includes(phase);
  const progress = pull?.progress;
  const steps: Step[] = [
    {
      id: 'image',
      label: 'Pull the image',
      state: done('image', ['ImagePulled', 'ImagePinned', 'Created'])
        ? 'done'
        : pull?.state === 'failed'
          ? 'failed'
          : phase === 'pulling'
            ? 'active'
            : 'waiting',
      detail:
        pull?.message ??
        (progress && progress.layers > 0
          ? `${progress.layersDone} of ${progress.layers} layers`
          : null),
    },
    {
      id: 'create',
      label: 'Create the container',
      state: done('create', ['Created']) ? 'done' : phase === 'creating' ? 'active' : 'waiting',
      detail: null,
    },
    {
      id: 'start',
      label: 'Start it',
      state: done('start', ['Started']) ? 'done' : phase === 'starting' ? 'active' : 'waiting',
      detail: null,
    },
    {
      id: 'healthy',
      label: 'Healthy',
      state:
        health === 'healthy' || seen.has('Healthy')
          ? 'done'
          : health === 'unhealthy'
            ? 'failed'
            : phase === 'running'
              ? 'active'
              : 'waiting',
      detail: null,
    },
  ];
  if (phase === 'failed') {
    const current = steps.find((s) => s.state !== 'done');
    if (current) {
      current.state = 'failed';
      current.detail = pod.status.lastError;
    }
  }
  return steps;
}
