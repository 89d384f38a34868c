import { describe, expect, it } from 'vitest';
import { type DesiredPod, type ObservedPod, plan } from './plan.js';
import type { PodSpec } from './spec.js';

const spec = { hash: 'h1' } as PodSpec;
const running: DesiredPod = {
  deleting: false,
  purge: false,
  power: 'running',
  restartRequestedAt: null,
  spec,
};
const nothing: ObservedPod = {
  volumeExists: false,
  container: null,
  health: 'unknown',
};
const container = (over: Partial<NonNullable<ObservedPod['container']>> = {}) => ({
  id: 'c1',
  running: true,
  specHash: 'h1',
  startedAt: new Date('2026-01-01T00:00:00Z'),
  ...over,
});
const converged: ObservedPod = {
  volumeExists: true,
  container: container(),
  health: 'healthy',
};
const types = (d: DesiredPod, o: ObservedPod) => plan(d, o).map((a) => a.type);

describe('plan', () => {
  it("creates volume and container for a new pod, in that order (the network is the installation's)", () => {
    expect(types(running, nothing)).toEqual([
      'ensureVolume',
      'ensureImage',
      'createContainer',
      'startContainer',
    ]);
  });

  it('does nothing when Docker matches the desired state', () => {
    expect(plan(running, converged)).toEqual([]);
  });

  it('recreates the container, keeping the volume, when the spec hash changed; the image comes first so a failed pull leaves the old one running', () => {
    const o = { ...converged, container: container({ specHash: 'old' }) };
    expect(plan({ ...running }, o)).toEqual([
      { type: 'ensureImage' },
      { type: 'removeContainer', reason: 'specChanged' },
      { type: 'createContainer' },
      { type: 'startContainer' },
    ]);
  });

  it('recreates a container that is off the pod network (a network of its own from before, a manual disconnect)', () => {
    const o = { ...converged, container: container({ onPodNetwork: false }) };
    expect(types(running, o)).toEqual([
      'ensureImage',
      'removeContainer',
      'createContainer',
      'startContainer',
    ]);
  });

  it('only finishes creating after a crash mid-create: an existing container is reused, not twinned', () => {
    const o = { ...converged, container: container({ running: false }) };
    expect(types(running, o)).toEqual(['startContainer']);
  });

  it('stops a running container when desired stopped, and leaves a stopped one alone', () => {
    const stopped = { ...running, power: 'stopped' as const };
    expect(types(stopped, converged)).toEqual(['stopContainer']);
    expect(types(stopped, { ...converged, container: container({ running: false }) })).toEqual([]);
    expect(types(stopped, nothing)).toEqual([]);
  });

  it('restarts once for a restart request made after the container started', () => {
    const asked = { ...running, restartRequestedAt: new Date('2026-01-02T00:00:00Z') };
    expect(plan(asked, converged)).toEqual([{ type: 'restartContainer', reason: 'requested' }]);
    const after = {
      ...converged,
      container: container({ startedAt: new Date('2026-01-02T00:00:01Z') }),
    };
    expect(plan(asked, after)).toEqual([]);
  });

  it('finishes a requested restart that stopped the container but never started it', () => {
    const asked = { ...running, restartRequestedAt: new Date('2026-01-02T00:00:00Z') };
    const stoppedMidway = { ...converged, container: container({ running: false }) };
    expect(plan(asked, stoppedMidway)).toEqual([
      { type: 'startContainer', completesRestart: true },
    ]);
    // A container that started after the request needs a plain start, not a counted restart.
    const crashedLater = {
      ...converged,
      container: container({ running: false, startedAt: new Date('2026-01-02T00:00:01Z') }),
    };
    expect(plan(asked, crashedLater)).toEqual([{ type: 'startContainer' }]);
  });

  it('restarts an unhealthy container', () => {
    expect(plan(running, { ...converged, health: 'unhealthy' })).toEqual([
      { type: 'restartContainer', reason: 'unhealthy' },
    ]);
  });

  it('removes the container on delete (the shared network stays), the volume only with purge, then finishes', () => {
    const deleting = { ...running, deleting: true, spec: null };
    expect(types(deleting, converged)).toEqual(['removeContainer', 'finishDeletion']);
    expect(types({ ...deleting, purge: true }, converged)).toEqual([
      'removeContainer',
      'removeVolume',
      'finishDeletion',
    ]);
    expect(types({ ...deleting, purge: true }, nothing)).toEqual(['finishDeletion']);
  });
});
