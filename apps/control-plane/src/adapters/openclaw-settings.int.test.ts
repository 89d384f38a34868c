// A tenant's own OpenClaw settings on the real gateway: made with the gateway's own CLI inside
// the pod (what the Control UI's config writes do too), they survive a stop and start and a
// recreate through the API, while a managed key the tenant changed is put back, with an event.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { InProcessControlPlane } from '../e2e/testing.js';
import { containerName } from '../reconciler/names.js';
import { type DockerHost, execInContainer, LABEL_POD_ID, readFile } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';

const CONFIG = '/home/node/.openclaw/openclaw.json';
let docker: DockerHost;
let cp: InProcessControlPlane;
let dropDatabase: () => Promise<void>;
let dataDir: string;
let pod: PodWithStatus;

beforeAll(async () => {
  docker = testHost();
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-openclaw-settings-'));
  cp = await InProcessControlPlane.start({
    DATABASE_URL: db.url,
    AGENTPOD_DATA_DIR: dataDir,
    AGENTPOD_BASE_DOMAIN: 'settings.test',
    AGENTPOD_PROXY: 'none',
    AGENTPOD_POD_SUBNET_POOL: '10.222.0.0/16',
    AGENTPOD_IMAGE_OPENCLAW: testImage('OPENCLAW'),
    AGENTPOD_SWEEP_DRY_RUN: 'true',
  });
  const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'settings' });
  const created = await cp.api<PodWithStatus>('POST', '/pods', {
    tenantId: tenant.body.id,
    subdomain: 'settings',
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  pod = created.body;
});

afterAll(async () => {
  await cp?.close();
  if (pod) await removeTestObjects(docker, { [LABEL_POD_ID]: pod.id });
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

async function events(): Promise<PodEvent[]> {
  const { body } = await cp.api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events?limit=200`);
  return body.items.reverse();
}

async function waitForPod(what: string, ok: (p: PodWithStatus) => boolean) {
  let last: PodWithStatus | undefined;
  try {
    return await eventually(
      what,
      async () => {
        last = (await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`)).body;
        return ok(last) ? last : undefined;
      },
      // Inside the test's own timeout, so a timeout says what the pod was doing.
      { timeoutMs: 200_000, intervalMs: 500 },
    );
  } catch (err) {
    const seen = (await events()).map((e) => `${e.reason}: ${e.message}`);
    throw new Error(
      `${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}\nevents:\n${seen.join('\n')}`,
    );
  }
}

const healthy = (p: PodWithStatus) => p.status.phase === 'running' && p.status.health === 'healthy';

/** The gateway's own CLI in the pod, as the tenant's Control UI or shell would change it. */
async function openclaw(...args: string[]): Promise<string> {
  const r = await execInContainer(docker, containerName(pod.id), ['openclaw', ...args], {
    timeoutMs: 60_000,
  });
  expect(r.exitCode, `openclaw ${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0);
  return r.stdout;
}

async function configFile(): Promise<string> {
  return (await readFile(docker, containerName(pod.id), CONFIG)).toString('utf8');
}

/** Recreates the pod by changing its config, and waits for the new container to be healthy. */
async function recreate(note: string): Promise<void> {
  const before = pod.status.containerId;
  const patched = await cp.api<PodWithStatus>('PATCH', `/pods/${pod.id}`, {
    config: { extraEnv: { AGENT_NOTE: note } },
  });
  expect(patched.status).toBe(200);
  pod = await waitForPod(
    `recreated for ${note}`,
    (p) =>
      healthy(p) &&
      p.status.observedGeneration === patched.body.generation &&
      p.status.containerId !== before,
  );
}

let tenantFile = '';

// Each step waits for the real gateway to stop and start (20-70 s here); a slower machine running
// other gateways at the same time may take twice that.
describe("the tenant's own OpenClaw settings", { timeout: 240_000 }, () => {
  it('are made with the gateway CLI in a healthy pod', async () => {
    pod = await waitForPod('the pod healthy', healthy);
    // A channel (disabled: no network here), a look, and a model of the tenant's choosing; the
    // pod's config names no model, so the primary model is the tenant's to change.
    await openclaw(
      'config',
      'set',
      'channels.telegram',
      '{"enabled":false,"botToken":"123:abc","dmPolicy":"pairing"}',
      '--strict-json',
    );
    await openclaw('config', 'set', 'ui.seamColor', '#ff6600');
    await openclaw('models', 'set', 'anthropic/claude-haiku-5');
    tenantFile = await configFile();
    expect(JSON.parse(tenantFile)).toMatchObject({
      channels: { telegram: { dmPolicy: 'pairing', botToken: '123:abc' } },
      ui: { seamColor: '#ff6600' },
      agents: { defaults: { model: { primary: 'anthropic/claude-haiku-5' } } },
      meta: { lastTouchedVersion: expect.any(String) },
    });
  });

  it('survive a stop and a start byte for byte', async () => {
    expect((await cp.api('POST', `/pods/${pod.id}/stop`)).status).toBe(202);
    await waitForPod('the pod stopped', (p) => p.status.phase === 'stopped');
    expect((await cp.api('POST', `/pods/${pod.id}/start`)).status).toBe(202);
    pod = await waitForPod('the pod healthy after the start', healthy);
    expect(await configFile()).toBe(tenantFile);
    expect(await openclaw('config', 'get', 'channels.telegram.dmPolicy')).toBe('pairing\n');
  });

  it('survive a recreate byte for byte', async () => {
    await recreate('v2');
    expect(await configFile()).toBe(tenantFile);
    expect(await openclaw('config', 'get', 'agents.defaults.model.primary')).toBe(
      'anthropic/claude-haiku-5\n',
    );
  });

  it('may not move a managed key: a recreate puts gateway.bind back and says so', async () => {
    await openclaw('config', 'set', 'gateway.bind', 'loopback');
    expect(JSON.parse(await configFile()).gateway.bind).toBe('loopback');
    await recreate('v3');
    const after = await configFile();
    expect(JSON.parse(after).gateway.bind).toBe('lan');
    // Only that value changed; everything the tenant set is still there.
    expect(JSON.parse(after)).toEqual(JSON.parse(tenantFile));
    const restored = (await events()).filter((e) => e.reason === 'ConfigRestored');
    expect(restored.map((e) => [e.type, e.message])).toEqual([
      ['warning', 'put back managed settings in openclaw.json: gateway.bind (was "loopback")'],
    ]);
  });

  it('a restart puts a managed key back too', async () => {
    const origins = '["https://elsewhere.example.com"]';
    await openclaw('config', 'set', 'gateway.controlUi.allowedOrigins', origins, '--strict-json');
    const restartsBefore = pod.status.restarts;
    const eventsBefore = (await events()).length;
    expect((await cp.api('POST', `/pods/${pod.id}/restart`)).status).toBe(202);
    pod = await waitForPod(
      'the pod restarted',
      (p) => healthy(p) && p.status.restarts === restartsBefore + 1,
    );
    expect(JSON.parse(await configFile())).toEqual(JSON.parse(tenantFile));
    const restored = (await events()).filter((e) => e.reason === 'ConfigRestored');
    expect(restored.at(-1)?.message).toContain(`gateway.controlUi.allowedOrigins (was ${origins})`);
    // Healthy throughout the restart: the prober never gave up on the pod. (Before it, the
    // loopback bind of the last step may have failed checks on a slow machine, rightly.)
    const since = (await events()).slice(eventsBefore).map((e) => e.reason);
    expect(since).toContain('Restarted');
    expect(since).not.toContain('HealthCheckFailed');
  });
});
