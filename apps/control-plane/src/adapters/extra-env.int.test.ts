// extraEnv through the real API: a variable that changes how the agent loads code is refused
// with problem+json naming the variable, and nothing is written.
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../e2e/testing.js';

let cp: InProcessControlPlane;
let tenantId = '';

beforeAll(async () => {
  cp = await InProcessControlPlane.startFresh({ AGENTPOD_BASE_DOMAIN: 'extra-env.test' });
  tenantId = (await cp.api<{ id: string }>('POST', '/tenants', { name: 'env' })).body.id;
}, 60_000);

afterAll(async () => {
  await cp?.close();
});

describe('extraEnv through the API', () => {
  it('refuses NODE_OPTIONS on create with 400 problem+json naming the variable, and creates nothing', async () => {
    const res = await fetch(`${cp.server.url}/api/v1/pods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cp.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId,
        subdomain: 'env-a',
        desiredState: 'stopped',
        config: { extraEnv: { NODE_OPTIONS: '--require /tmp/x.js', TZ: 'UTC' } },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { errors?: { path: string; message: string }[] };
    expect(problem.errors).toContainEqual({
      path: 'config.extraEnv.NODE_OPTIONS',
      message: "NODE_OPTIONS: changes how the agent's runtime loads code; not allowed in extraEnv",
    });
    const list = await cp.api<{ items: PodWithStatus[] }>('GET', `/pods?tenantId=${tenantId}`);
    expect(list.body.items).toEqual([]);
  });

  it('refuses LD_PRELOAD on update and leaves the config as it was', async () => {
    const created = await cp.api<PodWithStatus>('POST', '/pods', {
      tenantId,
      subdomain: 'env-b',
      desiredState: 'stopped',
      config: { extraEnv: { TZ: 'UTC' } },
    });
    expect(created.status).toBe(201);
    const res = await cp.api<{ code: string; errors: { path: string }[] }>(
      'PATCH',
      `/pods/${created.body.id}`,
      { config: { extraEnv: { LD_PRELOAD: '/tmp/x.so' } } },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.path)).toContain('config.extraEnv.LD_PRELOAD');
    const after = await cp.api<PodWithStatus>('GET', `/pods/${created.body.id}`);
    expect(after.body.config).toEqual(created.body.config);
    expect(after.body.generation).toBe(created.body.generation);
  });
});
