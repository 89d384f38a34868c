import type { PodWithStatus } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { eventTable, podDetails } from './pod-view.js';

const pod: PodWithStatus = {
  id: 'pod_aaaaaaaaaaaaaaaaaaaa',
  tenantId: 'ten_aaaaaaaaaaaaaaaaaaaa',
  name: 'alice',
  subdomain: 'alice',
  agentType: 'openclaw',
  image: null,
  config: { extraEnv: { FOO: 'bar' } },
  secretRefs: ['gatewayToken', 'providerApiKey'],
  resources: { memoryMb: 2048, cpus: 1, pidsLimit: 512 },
  desiredState: 'stopped',
  generation: 2,
  restartRequestedAt: null,
  deletedAt: null,
  createdAt: '2025-03-01T12:00:00.000Z',
  updatedAt: '2025-03-01T12:00:00.000Z',
  status: {
    podId: 'pod_aaaaaaaaaaaaaaaaaaaa',
    phase: 'stopped',
    containerId: null,
    health: 'unknown',
    restarts: 0,
    lastError: 'image pull failed:\nnot found',
    observedGeneration: 1,
    specHash: null,
    subnet: '10.0.0.0/28',
    ipAddress: null,
    updatedAt: '2025-03-01T12:00:00.000Z',
  },
};

describe('podDetails', () => {
  it('shows desired and observed generations, secret names and the last error on one line', () => {
    const lines = podDetails(pod).split('\n');
    expect(lines).toContain('desired     stopped (generation 2)');
    expect(lines).toContain('phase       stopped (observed generation 1)');
    expect(lines).toContain('secrets     gatewayToken, providerApiKey');
    expect(lines).toContain('config      {"extraEnv":{"FOO":"bar"}}');
    expect(lines).toContain('last error  image pull failed: not found');
  });
});

describe('eventTable', () => {
  it('lists events oldest first, as the API pages them newest first', () => {
    const event = (id: string, reason: 'Created' | 'Started', at: string) => ({
      id,
      podId: pod.id,
      type: 'normal' as const,
      reason,
      message: reason.toLowerCase(),
      createdAt: at,
    });
    const text = eventTable([
      event('evt_bbbbbbbbbbbbbbbbbbbb', 'Started', '2025-03-01T12:00:05.000Z'),
      event('evt_aaaaaaaaaaaaaaaaaaaa', 'Created', '2025-03-01T12:00:01.000Z'),
    ]);
    expect(text.split('\n')).toEqual([
      'TIME                 TYPE    REASON   MESSAGE',
      '2025-03-01 12:00:01  normal  Created  created',
      '2025-03-01 12:00:05  normal  Started  started',
    ]);
  });
});
