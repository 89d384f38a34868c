import { describe, expect, it } from 'vitest';
import { consoleRoute } from './route-table.js';
import { buildRoutes, type RoutablePod } from './routes.js';

const baseDomain = 'agents.example.com';

function pod(id: string, subdomain: string, changes: Partial<RoutablePod> = {}): RoutablePod {
  return {
    id,
    tenantId: 'ten_00000000000000000001',
    subdomain,
    desiredState: 'running',
    deletedAt: null,
    status: { phase: 'running', ipAddress: '10.213.0.2' },
    port: 18789,
    ...changes,
  };
}

describe('buildRoutes', () => {
  it('routes a running pod to its container address', () => {
    expect(buildRoutes([pod('pod_a', 'alice')], { baseDomain })).toEqual([
      {
        podId: 'pod_a',
        tenantId: 'ten_00000000000000000001',
        host: 'alice.agents.example.com',
        upstream: { address: '10.213.0.2', port: 18789 },
      },
    ]);
  });

  it('routes only pods that are wanted, observed running and addressed', () => {
    const pods = [
      pod('pod_ok', 'ok'),
      pod('pod_deleted', 'deleted', { deletedAt: '2026-11-28T10:00:00.000Z' }),
      pod('pod_off', 'off', { desiredState: 'stopped' }),
      // Still running in Docker but asked to stop: the route goes first.
      pod('pod_stopping', 'stopping', { status: { phase: 'stopping', ipAddress: '10.213.0.3' } }),
      pod('pod_starting', 'starting', { status: { phase: 'starting', ipAddress: '10.213.0.4' } }),
      pod('pod_failed', 'failed', { status: { phase: 'failed', ipAddress: null } }),
      pod('pod_noip', 'noip', { status: { phase: 'running', ipAddress: null } }),
      pod('pod_emptyip', 'emptyip', { status: { phase: 'running', ipAddress: '' } }),
      ...['pending', 'creating', 'stopped', 'deleting', 'deleted'].map((phase) =>
        pod(`pod_${phase}_phase`, `${phase}-phase`, { status: { phase, ipAddress: '10.0.0.9' } }),
      ),
    ];
    expect(buildRoutes(pods, { baseDomain }).map((r) => r.podId)).toEqual(['pod_ok']);
  });

  it('sorts by host whatever the input order', () => {
    const pods = [pod('pod_c', 'carol'), pod('pod_a', 'alice'), pod('pod_b', 'bob')];
    const hosts = buildRoutes(pods, { baseDomain }).map((r) => r.host);
    expect(hosts).toEqual([
      'alice.agents.example.com',
      'bob.agents.example.com',
      'carol.agents.example.com',
    ]);
    expect(buildRoutes([...pods].reverse(), { baseDomain })).toEqual(
      buildRoutes(pods, { baseDomain }),
    );
  });

  it('returns no routes for no pods', () => {
    expect(buildRoutes([], { baseDomain })).toEqual([]);
  });
});

describe('consoleRoute', () => {
  it("routes the dashboard's host to its listener, under a name no pod id can have", () => {
    expect(
      consoleRoute({ subdomain: 'console', upstream: '127.0.0.1:3000' }, 'agents.example.com'),
    ).toEqual({
      podId: 'console',
      tenantId: '',
      host: 'console.agents.example.com',
      upstream: { address: '127.0.0.1', port: 3000 },
    });
  });
});
