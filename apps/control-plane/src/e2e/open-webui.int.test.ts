// An Open WebUI pod on the real stack: the built `agentpod server` with the Caddy proxy it runs
// itself, and the Open WebUI stand-in image (Open WebUI comes from PyPI, which this machine cannot
// reach; the stand-in answers where AgentPod meets it: its environment, its data folder, /health,
// sign-in and the socket.io WebSocket). The README's curl flow, the first admin's credentials
// shown once, and the pod reached at its HTTPS subdomain from an address that is not loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreatedPod, PodEvent, PodWithStatus, ProxyStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { detectHostAddress, sslipDomain } from '../host-address.js';
import { containerName, volumeName } from '../reconciler/names.js';
import { gatewayOf } from '../reconciler/subnets.js';
import { freePort } from '../routing/testing.js';
import {
  type DockerHost,
  execInContainer,
  findContainerByName,
  LABEL_INSTALLATION,
} from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { ControlPlaneProcess, httpsGet } from './testing.js';

const SUBNET_POOL = '10.223.0.0/16';
const ADMIN_EMAIL = 'ops@example.com';

let docker: DockerHost;
let cp: ControlPlaneProcess;
let dataDir: string;
let hostAddress: string;
let httpsPort: number;
let installation = '';
let ca = '';

beforeAll(async () => {
  docker = testHost();
  const address = detectHostAddress();
  if (!address) throw new Error('this machine has no non-loopback IPv4 address to test with');
  hostAddress = address;
  httpsPort = await freePort('0.0.0.0');
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-open-webui-'));
  cp = new ControlPlaneProcess({
    AGENTPOD_DATA_DIR: dataDir,
    AGENTPOD_PROXY: 'managed',
    AGENTPOD_PROXY_HTTPS_PORT: String(httpsPort),
    AGENTPOD_PROXY_HTTP_PORT: String(await freePort('0.0.0.0')),
    AGENTPOD_PROXY_ADMIN_PORT: String(await freePort('127.0.0.1')),
    AGENTPOD_PROXY_IMAGE: testImage('CADDY'),
    AGENTPOD_IMAGE_OPEN_WEBUI: testImage('OPEN_WEBUI_STANDIN'),
    AGENTPOD_POD_SUBNET_POOL: SUBNET_POOL,
  });
  await cp.start();
  // Everything this control plane makes carries its installation id: cleanup goes by that.
  const proxy = await eventually(
    'the managed proxy running and in sync',
    async () => {
      const { body } = await cp.api<ProxyStatus>('GET', '/proxy');
      return body.ok ? body : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  const container = await findContainerByName(docker, proxy.container?.name ?? '');
  installation = container?.labels[LABEL_INSTALLATION] ?? '';
  const res = await fetch(`${cp.url}/api/v1/proxy/ca.pem`, {
    headers: { authorization: `Bearer ${cp.token}` },
  });
  ca = await res.text();
});

afterAll(async () => {
  await cp?.stop();
  if (installation) await removeTestObjects(docker, { [LABEL_INSTALLATION]: installation });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const host = () => `alice.${sslipDomain(hostAddress)}`;
const origin = () => `https://${host()}:${httpsPort}`;
/** Every name resolves to the host's non-loopback address, where the proxy listens. */
const toHost: LookupFunction = (_name, options, callback) =>
  options.all
    ? callback(null, [{ address: hostAddress, family: 4 }])
    : callback(null, hostAddress, 4);

/** A POST over verified TLS to the host's address, as `httpsGet` does for GET. */
function httpsPost(path: string, body: unknown): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: hostAddress,
        port: httpsPort,
        path,
        method: 'POST',
        servername: host(),
        headers: { host: `${host()}:${httpsPort}`, 'content-type': 'application/json' },
        ca,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${path}: no answer`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Opens the socket.io endpoint as a browser on `from` would; resolves with its first frame. */
function openSocket(from: string): Promise<{ ws: WebSocket; first: string }> {
  const url = `wss://${host()}:${httpsPort}/ws/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url, { ca, lookup: toHost, origin: from });
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve({ ws, first: String(data) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
}

let created: CreatedPod;
let pod: PodWithStatus;
let password = '';

describe('an Open WebUI pod behind the managed proxy (stand-in)', () => {
  it("follows the README's curl flow: the create answer carries the first admin's password, once (stand-in)", async () => {
    const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'alice' });
    expect(tenant.status).toBe(201);
    const reply = await cp.api<CreatedPod>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'alice',
      agentType: 'open-webui',
      config: { adminEmail: ADMIN_EMAIL, adminName: 'Ops' },
      secrets: { openaiApiKeys: 'sk-test-not-a-real-key' },
    });
    expect(reply.status).toBe(201);
    created = reply.body;
    expect(Object.keys(created.revealedSecrets)).toEqual(['adminPassword']);
    password = created.revealedSecrets.adminPassword ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);

    pod = await eventually(
      'the pod running and healthy',
      async () => {
        const { body } = await cp.api<PodWithStatus>('GET', `/pods/${created.id}`);
        return body.status.phase === 'running' && body.status.health === 'healthy'
          ? body
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(pod.status.subnet?.startsWith('10.223.')).toBe(true);

    // Never again: not in the pod, the list, the events or the logs.
    const answers = await Promise.all(
      [`/pods/${pod.id}`, '/pods', `/pods/${pod.id}/events?limit=100`, `/pods/${pod.id}/logs`].map(
        (path) => cp.api('GET', path),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.stringify(answer.body)).not.toContain(password);
      expect(answer.body).not.toHaveProperty('revealedSecrets');
    }
    const events = answers[2]?.body as { items: PodEvent[] };
    expect(events.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['Created', 'ConfigWritten', 'Started', 'Healthy']),
    );
  });

  it('answers /health and signs the first admin in at its HTTPS subdomain (stand-in)', async () => {
    const health = await eventually(
      'the pod through the proxy',
      async () => {
        const r = await httpsGet(`${origin()}/health`, { address: hostAddress, ca }).catch(
          () => undefined,
        );
        return r?.status === 200 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(JSON.parse(health.body)).toEqual({ status: true });

    // The access link opens the login page: no token in it, the credentials are the admin's.
    const link = await cp.api<{ url: string; note: string }>('POST', `/pods/${pod.id}/access-link`);
    expect(link.body).toEqual({ url: `${origin()}/`, note: expect.stringMatching(/sign in/) });
    const signedIn = await httpsPost('/api/v1/auths/signin', { email: ADMIN_EMAIL, password });
    expect(signedIn.status).toBe(200);
    expect(JSON.parse(signedIn.body)).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
    const wrong = await httpsPost('/api/v1/auths/signin', { email: ADMIN_EMAIL, password: 'x' });
    expect(wrong.status).toBe(400);

    // Open WebUI trusts the forwarded headers of the proxy alone: the pod network's gateway.
    const seen = await httpsGet(`${origin()}/standin/request`, { address: hostAddress, ca });
    expect(JSON.parse(seen.body)).toMatchObject({
      peer: gatewayOf(pod.status.subnet ?? ''),
      scheme: 'https',
    });
  });

  it('opens the socket.io WebSocket through the proxy and gets a pong, from its own origin only (stand-in)', async () => {
    const { ws, first } = await openSocket(origin());
    try {
      expect(first.startsWith('0')).toBe(true);
      expect(JSON.parse(first.slice(1))).toMatchObject({ sid: expect.any(String), upgrades: [] });
      const pong = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
      ws.send('2');
      expect(await pong).toBe('3');
    } finally {
      ws.close();
    }
    await expect(openSocket('https://elsewhere.example.com')).rejects.toThrow(
      'upgrade refused: 400',
    );
  });

  it('runs the container as 1000:1000 with the public origin, the proxy and its data folder on the volume (stand-in)', async () => {
    const raw = await docker.docker.getContainer(containerName(pod.id)).inspect();
    const env = Object.fromEntries(
      (raw.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    expect(raw.Config.User).toBe('1000:1000');
    expect(env).toMatchObject({
      WEBUI_URL: origin(),
      CORS_ALLOW_ORIGIN: origin(),
      FORWARDED_ALLOW_IPS: gatewayOf(pod.status.subnet ?? ''),
      WEBUI_ADMIN_EMAIL: ADMIN_EMAIL,
      WEBUI_ADMIN_NAME: 'Ops',
      WEBUI_ADMIN_PASSWORD: password,
      OPENAI_API_KEYS: 'sk-test-not-a-real-key',
    });
    expect(env.WEBUI_SECRET_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const mount = raw.Mounts.find((m) => m.Name === volumeName(pod.id));
    expect(mount?.Destination).toBe('/app/backend/data');
    expect(env.DATA_DIR?.startsWith(`${mount?.Destination}/`)).toBe(true);

    // The agent wrote its database into the volume as the non-root user, next to what the image
    // shipped in its data folder.
    const podDataDir = env.DATA_DIR ?? '';
    const db = await execInContainer(docker, raw.Id, ['cat', `${podDataDir}/webui.db`]);
    expect(db.exitCode, db.stderr).toBe(0);
    expect(JSON.parse(db.stdout)).toMatchObject({
      users: [{ email: ADMIN_EMAIL, role: 'admin' }],
      config: { 'ui.enable_signup': false },
    });
    const owner = await execInContainer(docker, raw.Id, ['stat', '-c', '%u:%g', podDataDir]);
    expect(owner.stdout.trim()).toBe('1000:1000');
    const baked = await execInContainer(docker, raw.Id, [
      'cat',
      '/app/backend/data/cache/embedding/models/README',
    ]);
    expect(baked.exitCode).toBe(0);
  });

  it('refuses a change of a seeded setting and recreates for one read on every start, keeping the volume (stand-in)', async () => {
    const refused = await cp.api<{ code: string; detail: string }>('PATCH', `/pods/${pod.id}`, {
      config: { defaultUserRole: 'user' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('seeded_at_first_start');
    expect(refused.body.detail).toMatch(/config\.defaultUserRole.*Admin Panel/);

    const before = await findContainerByName(docker, containerName(pod.id));
    const patched = await cp.api<PodWithStatus>('PATCH', `/pods/${pod.id}`, {
      config: { extraEnv: { TZ: 'Europe/Berlin' } },
    });
    expect(patched.status).toBe(200);
    const after = await eventually(
      'the recreated container running',
      async () => {
        const c = await findContainerByName(docker, containerName(pod.id));
        return c && c.id !== before?.id && c.state.running ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const db = await eventually('the second start recorded', async () => {
      const r = await execInContainer(docker, after.id, [
        'cat',
        '/app/backend/data/open-webui/webui.db',
      ]);
      const data = r.exitCode === 0 ? JSON.parse(r.stdout) : undefined;
      return data?.starts === 2 ? data : undefined;
    });
    // The same admin, not a second one: the database came through the recreate in the volume.
    expect(db.users).toEqual([expect.objectContaining({ email: ADMIN_EMAIL })]);
    expect(after.labels[LABEL_INSTALLATION]).toBe(installation);
  });
});
