// An operator's first hour, on the real stack: `agentpod server` on its embedded defaults
// (PGlite in a data folder, the managed proxy, the base domain derived from this host's address)
// on a Docker host that has none of the images yet: they are in a registry (Docker's
// distribution registry, started by scripts/test-env.sh) and must be pulled. Then the README's
// curl flow, and the real OpenClaw CLI reaching the pod at its HTTPS subdomain through the
// Caddy container that AgentPod runs itself, from an address that is not loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodEvent, PodWithStatus, ProxyStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectHostAddress, sslipDomain } from '../host-address.js';
import { freePort } from '../routing/testing.js';
import {
  type DockerHost,
  findContainerByName,
  LABEL_INSTALLATION,
  removeContainer,
} from '../runtime/index.js';
import {
  eventually,
  pushTestImage,
  removeImageTag,
  removeTestObjects,
  testHost,
  testImage,
  testRegistry,
} from '../runtime/testing.js';
import { ControlPlaneProcess, httpsGet, openclawClient, openclawGatewayHealth } from './testing.js';

let docker: DockerHost;
let cp: ControlPlaneProcess;
let dataDir: string;
let hostAddress: string;
let httpsPort: number;
const refs = { openclaw: '', caddy: '' };
let installation = '';

beforeAll(async () => {
  docker = testHost();
  const address = detectHostAddress();
  if (!address) throw new Error('this machine has no non-loopback IPv4 address to test with');
  hostAddress = address;
  const registry = testRegistry('open');
  refs.openclaw = await pushTestImage(docker, testImage('OPENCLAW'), registry, 'openclaw');
  refs.caddy = await pushTestImage(docker, testImage('CADDY'), registry, 'caddy');
  httpsPort = await freePort('0.0.0.0');
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-fresh-'));
  cp = new ControlPlaneProcess({
    AGENTPOD_DATA_DIR: dataDir,
    // The defaults, but for what this shared machine cannot give: ports 443/80/2019 may be
    // taken, and no public image can be pulled, so the images come from the test registry.
    AGENTPOD_PROXY: 'managed',
    AGENTPOD_PROXY_HTTPS_PORT: String(httpsPort),
    AGENTPOD_PROXY_HTTP_PORT: String(await freePort('0.0.0.0')),
    AGENTPOD_PROXY_ADMIN_PORT: String(await freePort('127.0.0.1')),
    AGENTPOD_PROXY_IMAGE: refs.caddy,
    AGENTPOD_IMAGE_OPENCLAW: refs.openclaw,
  });
  await cp.start();
});

afterAll(async () => {
  await cp?.stop();
  if (installation) await removeTestObjects(docker, { [LABEL_INSTALLATION]: installation });
  for (const ref of Object.values(refs)) if (ref) await removeImageTag(docker, ref);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const domain = () => sslipDomain(hostAddress);

async function proxyStatus(): Promise<ProxyStatus> {
  const { status, body } = await cp.api<ProxyStatus>('GET', '/proxy');
  expect(status).toBe(200);
  return body;
}

async function proxyCa(): Promise<string> {
  const res = await fetch(`${cp.url}/api/v1/proxy/ca.pem`, {
    headers: { authorization: `Bearer ${cp.token}` },
  });
  expect(res.status).toBe(200);
  return res.text();
}

let pod: PodWithStatus;

describe('a fresh Docker host, on the embedded defaults', () => {
  it('pulls and runs its own proxy, and derives a base domain that reaches this host', async () => {
    const status = await eventually(
      'the managed proxy running and in sync',
      async () => {
        const s = await proxyStatus();
        return s.ok ? s : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(status).toMatchObject({ mode: 'managed', ok: true, detail: null });
    expect(status.container?.state).toBe('running');
    expect(status.container?.pinned).toMatch(/@sha256:[0-9a-f]{64}$/);
    const container = await findContainerByName(docker, status.container?.name ?? '');
    installation = container?.labels[LABEL_INSTALLATION] ?? '';
    expect(installation).toMatch(/^[0-9a-z]{12}$/);
    expect(container?.image).toBe(status.container?.pinned);
    // Caddy's admin API listens on the host's loopback only, never where pods or users can reach.
    const raw = await docker.docker.getContainer(container?.id ?? '').inspect();
    expect(raw.HostConfig.NetworkMode).toBe('host');
    expect(raw.HostConfig.CapDrop).toEqual(['ALL']);
    // Its json-file log is rotated like the pods' (Caddy logs every refused request).
    expect(raw.HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '10m', 'max-file': '3' },
    });
    expect(cp.output).toContain(`"baseDomain":"${domain()}"`);
    expect((await fetch(`${cp.url}/readyz`)).status).toBe(200);
  });

  it("follows the README's curl flow to an OpenClaw pod pulled from the registry", async () => {
    const tenant = await cp.api<{ id: string }>('POST', '/tenants', {
      name: 'alice',
      displayName: 'Alice Ltd',
    });
    expect(tenant.status).toBe(201);
    const created = await cp.api<PodWithStatus>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'alice',
      config: { provider: 'anthropic', model: 'anthropic/claude-opus-5' },
      secrets: { providerApiKey: 'sk-ant-test-not-a-real-key' },
    });
    expect(created.status).toBe(201);
    pod = await eventually(
      'the pod running and healthy',
      async () => {
        const { body } = await cp.api<PodWithStatus>('GET', `/pods/${created.body.id}`);
        return body.status.phase === 'running' && body.status.health === 'healthy'
          ? body
          : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    expect(pod.status.image).toMatchObject({ ref: refs.openclaw, pull: null });
    const events = await cp.api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events?limit=50`);
    expect(events.body.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['ImagePulling', 'ImagePulled', 'Created', 'Started', 'Healthy']),
    );
  });

  it('reaches the pod at its HTTPS subdomain through the managed proxy with the real OpenClaw CLI', async () => {
    const link = await cp.api<{ url: string }>('POST', `/pods/${pod.id}/access-link`);
    expect(link.status).toBe(200);
    const origin = `https://alice.${domain()}:${httpsPort}`;
    expect(link.body.url.startsWith(`${origin}/#token=`)).toBe(true);
    const token = decodeURIComponent(link.body.url.split('#token=')[1] ?? '');
    const client = await openclawClient(docker, {
      ca: await proxyCa(),
      hosts: { [`alice.${domain()}`]: hostAddress },
      labels: { [LABEL_INSTALLATION]: installation },
    });
    const health = await eventually(
      'the gateway answering through the proxy',
      async () => {
        const r = await openclawGatewayHealth(
          docker,
          client,
          `wss://alice.${domain()}:${httpsPort}`,
          token,
        );
        return r.exitCode === 0 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );
    expect(JSON.parse(health.stdout)).toMatchObject({ ok: true });
  });

  it('puts its proxy back when the container disappears, routes included', async () => {
    const before = (await proxyStatus()).container?.name ?? '';
    const old = await findContainerByName(docker, before);
    await removeContainer(docker, old?.id ?? before, { force: true });
    const back = await eventually(
      'a new proxy container',
      async () => {
        const c = await findContainerByName(docker, before);
        return c?.state.running && c.id !== old?.id ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(back.id).not.toBe(old?.id);
    // Its admin API answers a moment after the container runs; until then the CA is 503.
    const answers: string[] = [];
    const ca = await eventually(
      'the CA from the new proxy',
      async () => {
        const res = await fetch(`${cp.url}/api/v1/proxy/ca.pem`, {
          headers: { authorization: `Bearer ${cp.token}` },
        });
        if (res.status === 200) return res.text();
        answers.push(`${res.status} ${((await res.json()) as { code: string }).code}`);
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    for (const answer of answers) expect(answer).toBe('503 proxy_unavailable');
    const res = await eventually(
      'the pod through the new proxy',
      async () => {
        const r = await httpsGet(`https://alice.${domain()}:${httpsPort}/healthz`, {
          address: hostAddress,
          ca,
        }).catch(() => undefined);
        return r?.status === 200 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(JSON.parse(res.body)).toMatchObject({ ok: true });
    expect((await proxyStatus()).ok).toBe(true);
  });
});
