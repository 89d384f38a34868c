// The core engine end to end, on the real stack: the built `agentpod server` on PostgreSQL,
// the real Docker daemon, the real OpenClaw gateway image, and a real Caddy in front over TLS.
// Each `it` builds on the previous one, as an operator's session would.
import { randomBytes } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { containerName, podNetworkName, volumeName } from '../reconciler/names.js';
import { gatewayOf } from '../reconciler/subnets.js';
import {
  type DockerHost,
  execInContainer,
  findContainerByName,
  inspectNetwork,
  inspectVolume,
  LABEL_POD_ID,
  listContainers,
  listNetworks,
} from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { launchIsolatedChromium } from './chromium.js';
import {
  CaddyProcess,
  ControlPlaneProcess,
  createScratchDatabase,
  httpsGet,
  openclawClient,
  openclawGatewayHealth,
} from './testing.js';

const BASE_DOMAIN = 'agents.test';
const SUBNET_POOL = '10.214.0.0/16';
let docker: DockerHost;
let caddy: CaddyProcess;
let cp: ControlPlaneProcess;
let dropDatabase: () => Promise<void>;
let bridgeGateway: string;
const podIds = new Set<string>();

beforeAll(async () => {
  docker = testHost();
  bridgeGateway = (await inspectNetwork(docker, 'bridge'))?.subnets[0]?.gateway ?? '172.17.0.1';
  caddy = new CaddyProcess();
  await caddy.start();
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  cp = new ControlPlaneProcess({
    DATABASE_URL: db.url,
    AGENTPOD_DATA_DIR: `/tmp/agentpod-e2e-${randomBytes(4).toString('hex')}`,
    AGENTPOD_BASE_DOMAIN: BASE_DOMAIN,
    AGENTPOD_PUBLIC_PORT: String(caddy.httpsPort),
    AGENTPOD_IMAGE_OPENCLAW: testImage('OPENCLAW'),
    AGENTPOD_PROXY: 'caddy',
    AGENTPOD_CADDY_ADMIN_URL: caddy.adminUrl,
    AGENTPOD_PROXY_HTTPS_PORT: String(caddy.httpsPort),
    AGENTPOD_POD_SUBNET_POOL: SUBNET_POOL,
    // The hung-agent test waits for three failed probes: at 10 s, not the default 30 s (this
    // also proves the setting reaches the prober).
    AGENTPOD_PROBE_INTERVAL_MS: '10000',
    // Other test files' labelled objects come and go while this runs: never sweep them.
    AGENTPOD_SWEEP_DRY_RUN: 'true',
  });
  await cp.start();
});

afterAll(async () => {
  await cp?.stop();
  await caddy?.stop();
  for (const podId of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: podId });
  await dropDatabase?.();
});

async function createPod(tenantName: string): Promise<PodWithStatus> {
  const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: tenantName });
  expect(tenant.status).toBe(201);
  const created = await cp.api<PodWithStatus>('POST', '/pods', {
    tenantId: tenant.body.id,
    subdomain: tenantName,
  });
  expect(created.status).toBe(201);
  podIds.add(created.body.id);
  return created.body;
}

async function waitForPod(
  id: string,
  what: string,
  ok: (p: PodWithStatus) => boolean,
  timeoutMs = 150_000,
): Promise<PodWithStatus> {
  let last: PodWithStatus | undefined;
  try {
    return await eventually(
      what,
      async () => {
        last = (await cp.api<PodWithStatus>('GET', `/pods/${id}`)).body;
        return ok(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (err) {
    // Say where the pod got stuck: its last status and events, and the control plane's log.
    const events = await cp.api<{ items: PodEvent[] }>('GET', `/pods/${id}/events?limit=20`);
    const lines = events.body.items.map((e) => `${e.createdAt} ${e.reason}: ${e.message}`);
    throw new Error(
      `${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}\nevents:\n${lines.join('\n')}\ncontrol plane:\n${cp.output.slice(-3000)}`,
    );
  }
}

async function reasons(id: string): Promise<string[]> {
  const { body } = await cp.api<{ items: PodEvent[] }>('GET', `/pods/${id}/events?limit=200`);
  return body.items.map((e) => e.reason).reverse();
}

/** Runs a shell line in a pod's container; returns the exit code and output. */
async function shell(podId: string, line: string) {
  return execInContainer(docker, containerName(podId), ['sh', '-c', line], { timeoutMs: 30_000 });
}

let alice: PodWithStatus;
let bob: PodWithStatus;

describe('the core engine on the real stack', () => {
  it("POST /pods creates volume and container from the real gateway image on the installation's pod network, and the pod reaches running and healthy", async () => {
    alice = await createPod('alice');
    expect(alice.status.phase).toBe('pending');
    alice = await waitForPod(
      alice.id,
      'alice running and healthy',
      (p) => p.status.phase === 'running' && p.status.health === 'healthy',
    );
    expect(alice.status.observedGeneration).toBe(alice.generation);
    expect(alice.status.subnet).toMatch(/^10\.214\.\d+\.\d+\/20$/);

    const container = await findContainerByName(docker, containerName(alice.id));
    expect(container?.state.running).toBe(true);
    expect(container?.labels).toMatchObject({
      'agentpod.managed': 'true',
      'agentpod.pod-id': alice.id,
    });
    // One bridge for the installation's pods, with traffic between its containers off.
    const network = await inspectNetwork(
      docker,
      podNetworkName(container?.labels['agentpod.installation'] ?? ''),
    );
    expect(network?.subnets[0]?.subnet).toBe(alice.status.subnet);
    expect(network?.options['com.docker.network.bridge.enable_icc']).toBe('false');
    expect(container?.networks[network?.name ?? '']).toBe(alice.status.ipAddress);
    expect(await inspectVolume(docker, volumeName(alice.id))).not.toBeNull();
    const raw = await docker.docker.getContainer(containerName(alice.id)).inspect();
    expect(raw.HostConfig.CapDrop).toEqual(['ALL']);
    expect(raw.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(raw.HostConfig.Init).toBe(true);
    expect(raw.Config.User).toBe('1000:1000');
    expect(raw.HostConfig.Memory).toBe(2048 * 1024 * 1024);
    expect(raw.Mounts.map((m) => m.Destination)).toEqual(['/home/node/.openclaw']);
    expect(await reasons(alice.id)).toEqual(
      expect.arrayContaining(['Created', 'ConfigWritten', 'Started', 'Healthy']),
    );
  });

  it('carries a WebSocket through Caddy over verified TLS from a non-loopback client, and the gateway answers a token-authenticated request', async () => {
    const link = await cp.api<{ url: string }>('POST', `/pods/${alice.id}/access-link`);
    expect(link.status).toBe(200);
    const origin = `https://alice.${BASE_DOMAIN}:${caddy.httpsPort}`;
    expect(link.body.url.startsWith(`${origin}/#token=`)).toBe(true);
    const token = decodeURIComponent(link.body.url.split('#token=')[1] ?? '');
    const ca = await caddy.admin.rootCertificate();

    // 1. A raw WebSocket from the host's bridge address: the upgrade passes the proxy and the
    //    gateway (trustedProxies), and the gateway's first frame arrives.
    const toBridge: LookupFunction = (_h, o, cb) =>
      o.all ? cb(null, [{ address: bridgeGateway, family: 4 }]) : cb(null, bridgeGateway, 4);
    const ws = new WebSocket(`wss://alice.${BASE_DOMAIN}:${caddy.httpsPort}/`, {
      ca,
      lookup: toBridge,
      origin,
    });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
    });
    ws.close();
    expect(JSON.parse(first)).toMatchObject({ type: 'event', event: 'connect.challenge' });

    // 2. The real OpenClaw CLI in a client container on the default bridge completes the
    //    gateway's handshake with the pod token and gets an answer to a health request.
    const client = await clientContainer(ca);
    const health = await gatewayHealth(client, token);
    expect(health.exitCode, health.stderr + health.stdout).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ ok: true });

    const wrong = await gatewayHealth(client, `${token.slice(0, -4)}xxxx`);
    expect(wrong.exitCode).not.toBe(0);
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/token|unauthori[sz]ed|auth/i);
  });

  it('pairs a real browser through the proxy: the Control UI waits for approval, the API lists, approves and rejects devices', async () => {
    const link = await cp.api<{ url: string }>('POST', `/pods/${alice.id}/access-link`);
    const browser = await launchIsolatedChromium([
      `--host-resolver-rules=MAP alice.${BASE_DOMAIN} ${bridgeGateway}`,
    ]);
    try {
      // Two browsers (separate profiles, so separate device identities): one approved, one rejected.
      const approved = await openControlUi(browser, link.body.url);
      const first = await pendingDevice();
      expect(first.clientId).toBe('openclaw-control-ui');
      const afterApprove = await cp.api<DeviceList>(
        'POST',
        `/pods/${alice.id}/devices/${first.requestId}/approve`,
      );
      expect(afterApprove.status, JSON.stringify(afterApprove.body)).toBe(200);
      expect(afterApprove.body.paired.map((d) => d.deviceId)).toContain(first.deviceId);
      expect(afterApprove.body.pending.map((d) => d.requestId)).not.toContain(first.requestId);

      await openControlUi(browser, link.body.url);
      const second = await pendingDevice();
      expect(second.deviceId).not.toBe(first.deviceId);
      const afterReject = await cp.api<DeviceList>(
        'POST',
        `/pods/${alice.id}/devices/${second.requestId}/reject`,
      );
      expect(afterReject.status).toBe(200);
      expect(afterReject.body.pending.map((d) => d.requestId)).not.toContain(second.requestId);
      expect(afterReject.body.paired.map((d) => d.deviceId)).not.toContain(second.deviceId);

      const unknown = await cp.api<{ code: string }>(
        'POST',
        `/pods/${alice.id}/devices/${second.requestId}/approve`,
      );
      expect(unknown.status).toBe(409);
      expect(unknown.body.code).toBe('device_request_failed');
      expect(await reasons(alice.id)).toEqual(
        expect.arrayContaining(['DeviceApproved', 'DeviceRejected']),
      );
      await approved.close();
    } finally {
      await browser.close();
    }
  });

  it('keeps tenants apart: a pod of another tenant on the same network cannot open a TCP connection to the first pod', async () => {
    bob = await createPod('bob');
    bob = await waitForPod(bob.id, 'bob running', (p) => p.status.phase === 'running');
    expect(bob.status.subnet).toBe(alice.status.subnet);
    const target = `${alice.status.ipAddress} 18789`;
    // The same probe from alice's own container succeeds, so a failure below means isolation.
    expect((await shell(alice.id, `nc -w 3 ${target} </dev/null`)).exitCode).toBe(0);
    expect((await shell(bob.id, `nc -w 3 ${target} </dev/null`)).exitCode).not.toBe(0);
    // No Docker socket inside, and the control plane (loopback) is not reachable from the pod.
    expect((await shell(bob.id, 'test -e /var/run/docker.sock')).exitCode).not.toBe(0);
    const cpPort = new URL(cp.url).port;
    const bobGateway = gatewayOf(bob.status.subnet ?? '');
    expect((await shell(bob.id, `nc -w 3 ${bobGateway} ${cpPort} </dev/null`)).exitCode).not.toBe(
      0,
    );
  });

  it('PATCH of the config recreates the container and keeps the state volume', async () => {
    expect((await shell(alice.id, 'echo kept > /home/node/.openclaw/marker')).exitCode).toBe(0);
    const before = alice.status.containerId;
    const patched = await cp.api<PodWithStatus>('PATCH', `/pods/${alice.id}`, {
      config: { extraEnv: { AGENT_NOTE: 'v2' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.generation).toBe(alice.generation + 1);
    alice = await waitForPod(
      alice.id,
      'alice recreated',
      (p) =>
        p.status.observedGeneration === patched.body.generation &&
        p.status.phase === 'running' &&
        p.status.health === 'healthy' &&
        p.status.containerId !== before,
    );
    expect((await shell(alice.id, 'cat /home/node/.openclaw/marker')).stdout.trim()).toBe('kept');
    expect((await shell(alice.id, 'echo $AGENT_NOTE')).stdout.trim()).toBe('v2');
    expect(await reasons(alice.id)).toContain('Recreated');
  });

  it('stop, start and restart do what they say', async () => {
    expect((await cp.api('POST', `/pods/${alice.id}/stop`)).status).toBe(202);
    alice = await waitForPod(alice.id, 'alice stopped', (p) => p.status.phase === 'stopped');
    expect((await findContainerByName(docker, containerName(alice.id)))?.state.running).toBe(false);

    expect((await cp.api('POST', `/pods/${alice.id}/start`)).status).toBe(202);
    alice = await waitForPod(alice.id, 'alice started', (p) => p.status.phase === 'running');
    const startedAt = (await findContainerByName(docker, containerName(alice.id)))?.state.startedAt;

    expect((await cp.api('POST', `/pods/${alice.id}/restart`)).status).toBe(202);
    alice = await waitForPod(
      alice.id,
      'alice restarted',
      (p) => p.status.restarts === 1 && p.status.health === 'healthy',
    );
    const restartedAt = (await findContainerByName(docker, containerName(alice.id)))?.state
      .startedAt;
    expect(restartedAt?.getTime()).toBeGreaterThan(
      startedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(await reasons(alice.id)).toEqual(
      expect.arrayContaining(['Stopped', 'Started', 'Restarted']),
    );
  });

  it('restarts a pod whose agent stops answering its health checks', async () => {
    alice = await waitForPod(
      alice.id,
      'alice healthy',
      (p) => p.status.health === 'healthy' && p.status.phase === 'running',
    );
    const restarts = alice.status.restarts;
    const startedAt = (await findContainerByName(docker, containerName(alice.id)))?.state.startedAt;
    // Freeze the gateway: the container still runs, but /healthz no longer answers.
    expect((await shell(alice.id, 'kill -STOP $(pidof node)')).exitCode).toBe(0);
    alice = await waitForPod(
      alice.id,
      'alice restarted by the health checks',
      (p) => p.status.restarts === restarts + 1 && p.status.phase === 'running',
      110_000,
    );
    const restartedAt = (await findContainerByName(docker, containerName(alice.id)))?.state
      .startedAt;
    expect(restartedAt?.getTime()).toBeGreaterThan(
      startedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    const { body } = await cp.api<{ items: PodEvent[] }>('GET', `/pods/${alice.id}/events?limit=5`);
    expect(body.items.map((e) => [e.reason, e.type])).toEqual(
      expect.arrayContaining([
        ['HealthCheckFailed', 'warning'],
        ['Restarted', 'warning'],
      ]),
    );
    await waitForPod(alice.id, 'alice healthy again', (p) => p.status.health === 'healthy', 60_000);
  }, 200_000);

  it('records an agent crash as an event, and Docker brings the pod back', async () => {
    const before = await findContainerByName(docker, containerName(alice.id));
    const killedAt = Date.now();
    // SIGKILL every gateway process: the init process exits with them and the container dies.
    await shell(alice.id, 'kill -KILL $(pidof node)');
    const died = await eventually(
      'a new Died event',
      async () => {
        const { body } = await cp.api<{ items: PodEvent[] }>(
          'GET',
          `/pods/${alice.id}/events?limit=10`,
        );
        return body.items.find(
          (e) => e.reason === 'Died' && Date.parse(e.createdAt) >= killedAt - 1_000,
        );
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(died.type).toBe('warning');
    expect(died.message).toMatch(/exited with code 137/);
    // Docker's restart policy starts the same container again; the pod turns healthy anew.
    await eventually(
      'the container to run again',
      async () => {
        const now = await findContainerByName(docker, containerName(alice.id));
        return now?.state.running && (now.state.startedAt?.getTime() ?? 0) > killedAt
          ? now
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect((await findContainerByName(docker, containerName(alice.id)))?.id).toBe(before?.id);
    await waitForPod(
      alice.id,
      'alice healthy after the crash',
      (p) => p.status.health === 'healthy',
      90_000,
    );
  });

  it('never lets the proxy break quietly: a restarted, empty Caddy is put right and /readyz says so meanwhile', async () => {
    const ca = await caddy.admin.rootCertificate();
    const url = `https://alice.${BASE_DOMAIN}:${caddy.httpsPort}/healthz`;
    await eventually('alice through Caddy', async () => {
      const res = await httpsGet(url, { address: bridgeGateway, ca });
      return res.status === 200 ? res : undefined;
    });

    await caddy.stop();
    const notReady = await eventually(
      '/readyz to report the proxy',
      async () => {
        const res = await fetch(`${cp.url}/readyz`);
        return res.status === 503 ? ((await res.json()) as { detail: string }) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(notReady.detail).toMatch(/proxy is not in sync/);

    // Back with only its admin API, as after a crash without persisted config.
    await caddy.start();
    const back = await eventually(
      'the route to be pushed again',
      async () => {
        const res = await httpsGet(url, { address: bridgeGateway, ca }).catch(() => undefined);
        return res?.status === 200 ? res : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(JSON.parse(back.body)).toMatchObject({ ok: true });
    expect((await fetch(`${cp.url}/readyz`)).status).toBe(200);
  });

  it('DELETE removes the container and keeps the volume (and the shared network); ?purge=true removes the volume too', async () => {
    const network = (await findContainerByName(docker, containerName(alice.id)))?.labels[
      'agentpod.installation'
    ];
    expect((await cp.api('DELETE', `/pods/${alice.id}`)).status).toBe(202);
    await waitForPod(alice.id, 'alice deleted', (p) => p.status.phase === 'deleted');
    expect(await findContainerByName(docker, containerName(alice.id))).toBeNull();
    expect(await inspectNetwork(docker, podNetworkName(network ?? ''))).not.toBeNull();
    expect(await inspectVolume(docker, volumeName(alice.id))).not.toBeNull();
    expect(await reasons(alice.id)).toContain('Deleted');

    expect((await cp.api('DELETE', `/pods/${bob.id}?purge=true`)).status).toBe(202);
    await waitForPod(bob.id, 'bob deleted', (p) => p.status.phase === 'deleted');
    expect(await findContainerByName(docker, containerName(bob.id))).toBeNull();
    expect(await inspectVolume(docker, volumeName(bob.id))).toBeNull();
    expect(await reasons(bob.id)).toEqual(expect.arrayContaining(['Purged', 'Deleted']));
  });

  it('killing the control plane while a pod is being created leaves exactly one container after it starts again', async () => {
    const carol = await createPod('carol');
    // Kill the moment the reconciler has begun making Docker objects for the pod.
    await eventually(
      'carol creation under way',
      async () => ((await inspectVolume(docker, volumeName(carol.id))) ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    await cp.kill();
    await cp.start();
    await waitForPod(
      carol.id,
      'carol running after the restart',
      (p) => p.status.phase === 'running',
      90_000,
    );
    const containers = await listContainers(docker, { [LABEL_POD_ID]: carol.id });
    expect(containers).toHaveLength(1);
    // On the shared network: no network of its own, then or now.
    expect(await listNetworks(docker, { [LABEL_POD_ID]: carol.id })).toHaveLength(0);
  });
});

type DeviceList = { pending: Device[]; paired: Device[] };
type Device = { requestId: string | null; deviceId: string; clientId: string | null };

/** Opens the access link in a fresh browser profile; Caddy's internal CA is not trusted by it. */
async function openControlUi(browser: Browser, url: string): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(url);
  return context;
}

let seenRequests = new Set<string>();
/** Waits for a pending pairing request this test has not seen yet. */
async function pendingDevice(): Promise<Device & { requestId: string }> {
  const device = await eventually(
    'a pending device request',
    async () => {
      const { status, body } = await cp.api<DeviceList>('GET', `/pods/${alice.id}/devices`);
      expect(status).toBe(200);
      return body.pending.find((d) => d.requestId && !seenRequests.has(d.requestId));
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
  seenRequests = new Set([...seenRequests, device.requestId as string]);
  return device as Device & { requestId: string };
}

function clientContainer(ca: string): Promise<string> {
  // Labelled with a pod of this test, so the afterAll cleanup by pod id removes it too.
  return openclawClient(docker, {
    ca,
    hosts: { [`alice.${BASE_DOMAIN}`]: bridgeGateway },
    labels: { 'agentpod.managed': 'true', [LABEL_POD_ID]: [...podIds][0] ?? 'none' },
  });
}

function gatewayHealth(client: string, token: string) {
  return openclawGatewayHealth(
    docker,
    client,
    `wss://alice.${BASE_DOMAIN}:${caddy.httpsPort}`,
    token,
  );
}
