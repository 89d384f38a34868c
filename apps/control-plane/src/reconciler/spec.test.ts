import type { ContainerPlan, Pod } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { openclaw } from '../adapters/openclaw.js';
import { buildPodSpec } from './spec.js';

const pod: Pod = {
  id: 'pod_0123456789abcdefghij',
  tenantId: 'ten_0123456789abcdefghij',
  name: 'alice',
  subdomain: 'alice',
  agentType: 'openclaw',
  image: null,
  config: {},
  secretRefs: [],
  resources: { memoryMb: 2048, cpus: 1, pidsLimit: 512 },
  desiredState: 'running',
  generation: 1,
  restartRequestedAt: null,
  deletedAt: null,
  createdAt: '2026-11-29T00:00:00.000Z',
  updatedAt: '2026-11-29T00:00:00.000Z',
};

function plan(publicOrigin = 'https://alice.agents.example.com'): ContainerPlan {
  return openclaw.render(pod, {
    defaultImage: openclaw.defaultImage,
    publicOrigin,
    proxyAddresses: ['10.213.0.1/32'],
    secrets: { gatewayToken: 'gw-token' },
  });
}

const hashOf = (p: ContainerPlan) => buildPodSpec(pod, p, 'inst_1').hash;

describe('the spec hash', () => {
  it('changes when a value AgentPod manages in a file changes', () => {
    expect(hashOf(plan('https://alice.other.example.com'))).not.toBe(hashOf(plan()));
  });

  it('leaves out which keys are managed, so pods made before files were merged keep theirs', () => {
    const merged = plan();
    const whole = {
      ...merged,
      files: merged.files.map(({ path, content, mode }) => ({ path, content, mode })),
    };
    expect(merged.files[0]?.ownedPaths?.length).toBeGreaterThan(0);
    expect(hashOf(merged)).toBe(hashOf(whole));
  });
});
