import { describe, expect, it } from 'vitest';
import { stoppedPod as pod } from './pod.fixture.js';
import {
  createdPodText,
  describePull,
  describeUsage,
  eventTable,
  podDetails,
  statsTable,
} from './pod-view.js';

describe('podDetails', () => {
  it('shows desired and observed generations, secret names and the last error on one line', () => {
    const lines = podDetails(pod).split('\n');
    expect(lines).toContain('desired     stopped (generation 2)');
    expect(lines).toContain('phase       stopped (observed generation 1)');
    expect(lines).toContain('secrets     gatewayToken, providerApiKey');
    expect(lines).toContain('config      {"extraEnv":{"FOO":"bar"}}');
    expect(lines).toContain('last error  image pull failed: not found');
    expect(lines).toContain(
      'pull        retrying at 2025-03-01 12:01:00 after 2 failed attempts (unreachable)',
    );
  });
});

describe('describeUsage and statsTable', () => {
  it('show CPU, memory against the limit, and rates', () => {
    const usage = {
      at: '2025-03-01T12:00:00.000Z',
      cpuPercent: 3.21,
      memoryBytes: 80 * 1024 * 1024,
      memoryLimitBytes: 2048 * 1024 * 1024,
      pids: 7,
      networkRxBytes: 0,
      networkTxBytes: 0,
      blockReadBytes: 0,
      blockWriteBytes: 0,
    };
    expect(describeUsage(usage)).toBe('3.2% CPU, 80.0 of 2048 MiB, 7 processes');
    expect(describeUsage({ ...usage, cpuPercent: null })).toMatch(/^- CPU/);
    const table = statsTable([
      {
        at: '2025-03-01T12:00:00.000Z',
        cpuPercent: 1.5,
        cpuPercentMax: 2,
        memoryBytes: 10 * 1024 * 1024,
        memoryBytesMax: 11 * 1024 * 1024,
        memoryLimitBytes: 64 * 1024 * 1024,
        pids: 3,
        networkRxBytesPerSecond: 2048,
        networkTxBytesPerSecond: 512,
        blockReadBytesPerSecond: 0,
        blockWriteBytesPerSecond: 1024,
      },
    ]).split('\n');
    expect(table[1]).toMatch(
      /^2025-03-01 12:00:00\s+1\.5%\s+10\.0 \/ 64\s+3\s+2\.0 \/ 0\.5\s+0\.0 \/ 1\.0$/,
    );
  });
});

describe('describePull', () => {
  it('shows the progress of a pull under way, and a given-up one', () => {
    const base = { attempts: 0, reason: null, message: null, nextAttemptAt: null, generation: 1 };
    expect(
      describePull({
        ...base,
        state: 'pulling',
        progress: {
          layers: 7,
          layersDone: 3,
          bytes: 120 * 1024 * 1024,
          bytesDone: 45 * 1024 * 1024,
        },
      }),
    ).toBe('pulling: 3/7 layers, 45.0/120.0 MB');
    expect(
      describePull({ ...base, state: 'failed', attempts: 3, reason: 'not_found', progress: null }),
    ).toBe('gave up after 3 failed attempts (not_found)');
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

describe('createdPodText', () => {
  it('is the summary alone when the create revealed nothing', () => {
    expect(createdPodText({ ...pod, revealedSecrets: {} })).toBe(
      'created pod pod_aaaaaaaaaaaaaaaaaaaa (alice): desired stopped, phase stopped, generation 2',
    );
  });

  it('prints revealed secrets once, saying they will not be shown again', () => {
    const text = createdPodText({ ...pod, revealedSecrets: { adminPassword: 'pw-123' } });
    expect(text.split('\n')).toEqual([
      'created pod pod_aaaaaaaaaaaaaaaaaaaa (alice): desired stopped, phase stopped, generation 2',
      'adminPassword: pw-123',
      'This is shown only this once: store it now.',
    ]);
  });
});
