// What the dashboard's forms read: every agent type with its config as JSON Schema, and
// whether a subdomain is free. A control plane in this process, on PGlite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentType, SubdomainCheck } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../e2e/testing.js';
import { LABEL_INSTALLATION } from '../runtime/index.js';
import { removeTestObjects, testHost } from '../runtime/testing.js';

let cp: InProcessControlPlane;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-types-'));
  cp = await InProcessControlPlane.start({
    AGENTPOD_DATA_DIR: dataDir,
    AGENTPOD_BASE_DOMAIN: 'types.test',
    AGENTPOD_IMAGE_OPEN_WEBUI: 'registry.internal:5000/open-webui:v0.10.2-ours',
  });
});

afterAll(async () => {
  await cp?.close();
  // The pod made below, and the installation's pod network with it.
  if (cp) {
    await removeTestObjects(testHost(), {
      [LABEL_INSTALLATION]: cp.server.context.installationId,
    });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('agent types', () => {
  it('describe each adapter: form schema, secrets, powers, defaults and the installation image', async () => {
    const { status, body } = await cp.api<{ items: AgentType[] }>('GET', '/agent-types');
    expect(status).toBe(200);
    const byId = Object.fromEntries(body.items.map((t) => [t.id, t]));
    expect(Object.keys(byId).sort()).toEqual(['open-webui', 'openclaw']);
    expect(byId.openclaw).toMatchObject({
      displayName: 'OpenClaw',
      secretFields: ['providerApiKey'],
      revealedSecrets: [],
      seededAtFirstStart: null,
      capabilities: { devicePairing: true, accessLink: true },
      defaultResources: { memoryMb: 2048 },
    });
    const schema = byId.openclaw?.configSchema as {
      type: string;
      properties: Record<string, { default?: unknown }>;
    };
    expect(schema.type).toBe('object');
    expect(schema.properties.provider?.default).toBe('anthropic');
    expect(byId['open-webui']).toMatchObject({
      image: 'registry.internal:5000/open-webui:v0.10.2-ours',
      revealedSecrets: ['adminPassword'],
      capabilities: { devicePairing: false, accessLink: true },
    });
    expect(byId['open-webui']?.seededAtFirstStart?.config).toContain('defaultUserRole');
  });
});

describe('subdomain check', () => {
  it('says free, taken, reserved or malformed, with the reason', async () => {
    const check = async (name: string) =>
      (await cp.api<SubdomainCheck>('GET', `/subdomains/${name}`)).body;
    expect(await check('alice')).toEqual({ subdomain: 'alice', available: true, reason: null });
    expect(await check('console')).toMatchObject({ available: false, reason: 'is reserved' });
    expect(await check('Not_A_Label')).toMatchObject({ available: false });
    const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'types' });
    const pod = await cp.api<{ id: string }>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'alice',
      desiredState: 'stopped',
    });
    expect(await check('alice')).toEqual({
      subdomain: 'alice',
      available: false,
      reason: `is taken by pod ${pod.body.id}`,
    });
    const refused = await cp.api<{ code: string }>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'console',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('validation_failed');
  });
});
