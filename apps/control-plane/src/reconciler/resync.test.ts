import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../runtime/index.js';
import { LABEL_POD_ID, LABEL_SPEC_HASH } from '../runtime/index.js';
import { podNetworkName, volumeName } from './names.js';
import { needsReconcile, type ResyncRow, unsettledPodIds } from './resync.js';

const ID = 'pod_0000000000000000000a';
const NET = podNetworkName('inst_1');
const settled: ResyncRow = {
  id: ID,
  deleting: false,
  desiredState: 'running',
  generation: 3,
  observedGeneration: 3,
  phase: 'running',
  health: 'healthy',
  specHash: 'h1',
};
const running: ContainerSummary = {
  id: 'c1',
  name: `agentpod-${ID}`,
  image: 'img',
  labels: { [LABEL_SPEC_HASH]: 'h1' },
  status: 'running',
  statusText: 'Up 3 minutes',
  networks: { [NET]: '10.213.0.2' },
  mounts: [
    {
      name: volumeName(ID),
      destination: '/home/node/.openclaw',
      source: '/var/lib/docker/volumes/x/_data',
    },
  ],
};

describe('needsReconcile', () => {
  it('leaves a settled pod alone: running, healthy, on its spec, network and volume', () => {
    expect(needsReconcile(settled, [running], NET)).toBe(false);
  });

  it('queues a pod with a change, a deletion, or a status not yet settled', () => {
    expect(needsReconcile({ ...settled, generation: 4 }, [running], NET)).toBe(true);
    expect(needsReconcile({ ...settled, deleting: true }, [running], NET)).toBe(true);
    expect(needsReconcile({ ...settled, health: 'starting' }, [running], NET)).toBe(true);
    expect(needsReconcile({ ...settled, phase: 'failed' }, [running], NET)).toBe(true);
  });

  it('queues a pod whose container is missing, twinned, stopped, on another spec or off the pod network', () => {
    expect(needsReconcile(settled, [], NET)).toBe(true);
    expect(needsReconcile(settled, [running, { ...running, id: 'c2' }], NET)).toBe(true);
    expect(needsReconcile(settled, [{ ...running, status: 'exited' }], NET)).toBe(true);
    expect(
      needsReconcile(settled, [{ ...running, labels: { [LABEL_SPEC_HASH]: 'h0' } }], NET),
    ).toBe(true);
    expect(needsReconcile(settled, [{ ...running, networks: { bridge: '172.17.0.2' } }], NET)).toBe(
      true,
    );
    expect(needsReconcile(settled, [{ ...running, mounts: [] }], NET)).toBe(true);
  });

  it('leaves a stopped pod alone, and queues one whose container runs again', () => {
    const stopped = { ...settled, desiredState: 'stopped' as const, phase: 'stopped' };
    expect(needsReconcile(stopped, [{ ...running, status: 'exited' }], NET)).toBe(false);
    expect(needsReconcile(stopped, [], NET)).toBe(false);
    expect(needsReconcile(stopped, [running], NET)).toBe(true);
    expect(needsReconcile({ ...stopped, phase: 'running' }, [], NET)).toBe(true);
  });
});

describe('unsettledPodIds', () => {
  const ID2 = 'pod_0000000000000000000b';
  const ID3 = 'pod_0000000000000000000c';
  const own = (id: string, extra: Partial<ContainerSummary> = {}): ContainerSummary => ({
    ...running,
    id: `c-${id}`,
    labels: { [LABEL_SPEC_HASH]: 'h1', [LABEL_POD_ID]: id },
    mounts: [{ name: volumeName(id), destination: '/home/node/.openclaw', source: '' }],
    ...extra,
  });

  it('matches each row to the containers labelled with its pod and returns the ones out of step', () => {
    const rows = [settled, { ...settled, id: ID2 }, { ...settled, id: ID3 }];
    const containers = [
      own(ID),
      // ID2 has a twin; ID3 has no container at all.
      own(ID2),
      own(ID2, { id: 'c-twin' }),
      // A container without a pod label is no pod's: it settles nothing and unsettles nothing.
      { ...running, id: 'stray', labels: {} },
    ];
    expect(unsettledPodIds(rows, containers, NET)).toEqual([ID2, ID3]);
  });

  it('queues a settled pod that the caller still counts as unsettled (a crash loop)', () => {
    expect(unsettledPodIds([settled], [own(ID)], NET)).toEqual([]);
    expect(unsettledPodIds([settled], [own(ID)], NET, (id) => id === ID)).toEqual([ID]);
  });
});
