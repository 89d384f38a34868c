// Pod isolation, probed from inside real pods on the real Docker daemon with real iptables rules.
// Every refusal has a positive control: the same target answers from the host and from a
// container on a network AgentPod does not manage, and the same probe from the pod succeeds
// while the filter is off. Targets: another tenant's pod (on the installation's pod network, and
// on a bridge with inter-container traffic on, where only the filter stands between them),
// listeners on the host's 0.0.0.0 (a service, PostgreSQL and Docker daemon stand-ins, the
// control plane's API itself, the proxy's public port), and in a network namespace routed
// through the host like real egress: a LAN address, cloud metadata (169.254.169.254) and an
// "internet" host (198.51.100.10).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../e2e/testing.js';
import { gatewayOf } from '../reconciler/subnets.js';
import { execInContainer, LABEL_POD_ID } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { chainPrefixFor } from './filter-rules.js';
import type { NetworkFilter } from './network-filter.js';

const POOL = '10.244.0.0/16';
/** A bridge inside the pool that Docker does not isolate: the layout where only we stand guard. */
const SHARED_SUBNET = '10.244.255.0/24';
/** A network AgentPod does not manage, for control containers. */
const CONTROL_SUBNET = '10.247.255.0/24';
const OUTSIDE = { internet: '198.51.100.10', lan: '192.168.213.10', metadata: '169.254.169.254' };
const tag = randomBytes(3).toString('hex');
const NETNS = `apnf-${tag}`;
const VETH_HOST = `apnf${tag}h`;
const VETH_NS = `apnf${tag}n`;
const docker = testHost();
const image = testImage('STANDIN');

let cp: InProcessControlPlane;
let filter: NetworkFilter;
let wwwDir: string;
let nsHttpd: ReturnType<typeof spawn> | undefined;
const listeners: Record<string, Server> = {};
const ports: Record<string, number> = {};
const podIds: string[] = [];
const containers: string[] = [];
const networks: string[] = [];
let podA: PodWithStatus;
let podB: PodWithStatus;
let shared1 = '';
let shared2 = { id: '', ip: '' };
let control = '';
let hostLan = '';

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A probe's outcome: what answered, or null when the connection was refused or timed out. */
async function probe(container: string, url: string): Promise<string | null> {
  const r = await execInContainer(docker, container, ['timeout', '5', 'wget', '-qO-', url], {
    timeoutMs: 15_000,
  });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

function fromHost(url: string): Promise<string | null> {
  return fetch(url, { signal: AbortSignal.timeout(5_000) })
    .then(async (r) => (await r.text()).trim())
    .catch(() => null);
}

function listen(name: string): Promise<void> {
  const server = createServer((_req, res) => res.end(`${name}-ok\n`));
  listeners[name] = server;
  return new Promise((resolve) =>
    server.listen(0, '0.0.0.0', () => {
      ports[name] = (server.address() as AddressInfo).port;
      resolve();
    }),
  );
}

/** The filter is applied; its status says why not when it never gets there. */
async function inPlace(): Promise<void> {
  await eventually(
    'the filter in place',
    async () => {
      if (filter.status.ok) return true;
      throw new Error(JSON.stringify(filter.status));
    },
    { timeoutMs: 30_000 },
  );
}

async function runningPod(id: string): Promise<PodWithStatus> {
  return eventually(
    `pod ${id} running with an address`,
    async () => {
      const { body } = await cp.api<PodWithStatus>('GET', `/pods/${id}`);
      return body.status.phase === 'running' && body.status.ipAddress ? body : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
}

async function runContainer(name: string, network: string, ip?: string): Promise<string> {
  const c = await docker.docker.createContainer({
    name,
    Image: image,
    Labels: { 'agentpod-test.network-filter': tag },
    HostConfig: { NetworkMode: network, Init: true },
    NetworkingConfig: {
      EndpointsConfig: { [network]: ip ? { IPAMConfig: { IPv4Address: ip } } : {} },
    },
  });
  containers.push(c.id);
  await c.start();
  return c.id;
}

/** Every target a pod must not reach, by name: URL from the pod's point of view. */
function forbidden(pod: PodWithStatus): Record<string, string> {
  const gateway = gatewayOf(pod.status.subnet ?? '');
  return {
    'host service on the pod gateway': `http://${gateway}:${ports.host}/`,
    "host service on the host's LAN address": `http://${hostLan}:${ports.host}/`,
    'PostgreSQL stand-in': `http://${gateway}:${ports.postgres}/`,
    'Docker daemon stand-in': `http://${gateway}:${ports.docker}/`,
    'control plane API': `http://${gateway}:${ports.api}/healthz`,
    'cloud metadata': `http://${OUTSIDE.metadata}/`,
    'a LAN address': `http://${OUTSIDE.lan}/`,
    "another tenant's pod": `http://${podB.status.ipAddress}:18789/healthz`,
  };
}

beforeAll(async () => {
  // The outside world: one namespace behind a veth, routed (and so forwarded) by the host.
  wwwDir = mkdtempSync(join(tmpdir(), 'apnf-www-'));
  writeFileSync(join(wwwDir, 'index.html'), 'outside-ok\n');
  sh('ip', ['netns', 'add', NETNS]);
  sh('ip', ['link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_NS]);
  sh('ip', ['link', 'set', VETH_NS, 'netns', NETNS]);
  for (const a of ['198.51.100.1/24', '192.168.213.1/24', '169.254.169.1/24'])
    sh('ip', ['addr', 'add', a, 'dev', VETH_HOST]);
  sh('ip', ['link', 'set', VETH_HOST, 'up']);
  const inNs = (...args: string[]) => sh('nsenter', [`--net=/var/run/netns/${NETNS}`, ...args]);
  for (const a of ['198.51.100.10/24', '192.168.213.10/24', '169.254.169.254/24'])
    inNs('ip', 'addr', 'add', a, 'dev', VETH_NS);
  inNs('ip', 'link', 'set', VETH_NS, 'up');
  inNs('ip', 'link', 'set', 'lo', 'up');
  inNs('ip', 'route', 'add', 'default', 'via', '198.51.100.1');
  nsHttpd = spawn('nsenter', [
    `--net=/var/run/netns/${NETNS}`,
    'busybox',
    'httpd',
    '-f',
    '-p',
    '80',
    '-h',
    wwwDir,
  ]);
  hostLan =
    Object.entries(networkInterfaces())
      .filter(([name]) => !/^(lo|docker|br-|veth|apnf)/.test(name))
      .flatMap(([, addrs]) => addrs ?? [])
      .find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '';
  expect(hostLan).not.toBe('');

  for (const name of ['host', 'postgres', 'docker', 'proxy']) await listen(name);
  // The API port is the control plane's own, listening on every address for this test.
  cp = await InProcessControlPlane.startFresh({
    AGENTPOD_HOST: '0.0.0.0',
    AGENTPOD_BASE_DOMAIN: 'netfilter.test',
    AGENTPOD_POD_SUBNET_POOL: POOL,
    AGENTPOD_IMAGE_OPENCLAW: image,
    AGENTPOD_NETWORK_POLICY: 'enforce',
    // An operator's Caddy whose public port the test's `proxy` listener stands in for.
    AGENTPOD_PROXY: 'caddy',
    AGENTPOD_CADDY_ADMIN_URL: 'http://127.0.0.1:9',
    AGENTPOD_PROXY_HTTPS_PORT: String(ports.proxy),
  });
  ports.api = Number(new URL(cp.server.url).port);
  const wired = cp.services.networkFilter;
  if (!wired) throw new Error('the control plane has no network filter');
  filter = wired;

  const tenants = await Promise.all(
    ['nf-a', 'nf-b'].map(
      async (name) => (await cp.api<{ id: string }>('POST', '/tenants', { name })).body,
    ),
  );
  for (const [i, tenant] of tenants.entries()) {
    const { body } = await cp.api<PodWithStatus>('POST', '/pods', {
      tenantId: tenant?.id,
      subdomain: `nf-${i}`,
      resources: { memoryMb: 64 },
    });
    podIds.push(body.id);
  }
  [podA, podB] = (await Promise.all(podIds.map(runningPod))) as [PodWithStatus, PodWithStatus];

  // A shared bridge in the pool (icc on: Docker lets its containers talk), and a control network.
  for (const [name, subnet] of [
    [`apnf-shared-${tag}`, SHARED_SUBNET],
    [`apnf-control-${tag}`, CONTROL_SUBNET],
  ] as const) {
    await docker.docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      Labels: { 'agentpod-test.network-filter': tag },
      IPAM: { Config: [{ Subnet: subnet }] },
    });
    networks.push(name);
  }
  shared1 = await runContainer(`apnf-s1-${tag}`, `apnf-shared-${tag}`, '10.244.255.10');
  shared2 = {
    id: await runContainer(`apnf-s2-${tag}`, `apnf-shared-${tag}`, '10.244.255.11'),
    ip: '10.244.255.11',
  };
  control = await runContainer(`apnf-ctl-${tag}`, `apnf-control-${tag}`);
  await inPlace();
}, 180_000);

afterAll(async () => {
  await filter?.stop();
  await filter?.remove().catch(() => undefined);
  await cp?.close();
  for (const id of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: id });
  for (const id of containers)
    await docker.docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const name of networks)
    await docker.docker
      .getNetwork(name)
      .remove()
      .catch(() => undefined);
  for (const server of Object.values(listeners)) server.close();
  nsHttpd?.kill();
  try {
    sh('ip', ['link', 'del', VETH_HOST]);
  } catch {}
  try {
    sh('ip', ['netns', 'del', NETNS]);
  } catch {}
  if (wwwDir) rmSync(wwwDir, { recursive: true, force: true });
}, 120_000);

describe('network filter', () => {
  it('positive controls: every target answers the host, a container AgentPod does not manage, and a pod while the filter is off', async () => {
    await filter.stop();
    await filter.remove();
    // Said at once: a wait for `ok` after the next start waits for rules that are really there.
    expect(filter.status).toMatchObject({ ok: false, lastError: 'the rules were removed' });
    // A filter that has run (the leader's): `/readyz` reports it, unlike a standby's, never run.
    expect(filter.status.syncs).toBeGreaterThan(0);
    const targets = forbidden(podA);
    // From the host (a pod's answers are what the proxy sees).
    for (const [name, url] of Object.entries(targets)) {
      expect([name, await fromHost(url.replace(/\/\/10\.241\.\d+\.1:/, '//127.0.0.1:'))]).toEqual([
        name,
        expect.stringMatching(/ok/),
      ]);
    }
    // From a container outside the pool: the same routes through the host work.
    for (const url of [
      `http://${OUTSIDE.internet}/`,
      `http://${OUTSIDE.lan}/`,
      `http://${OUTSIDE.metadata}/`,
    ]) {
      expect(await probe(control, url)).toBe('outside-ok');
    }
    // From the pod itself, with no filter: each probe below would succeed if the filter failed,
    // except another pod on the pod network, where Docker drops traffic between containers.
    for (const [name, url] of Object.entries(targets)) {
      if (name === "another tenant's pod") continue;
      expect([name, await probe(podA.status.containerId ?? '', url)]).toEqual([
        name,
        expect.stringMatching(/ok/),
      ]);
    }
    expect(await probe(podA.status.containerId ?? '', `http://${OUTSIDE.internet}/`)).toBe(
      'outside-ok',
    );
    // On a shared bridge nothing but the filter stands between two pods.
    expect(await probe(shared1, `http://${shared2.ip}:18789/healthz`)).toMatch(/ok/);
    filter.start();
    await inPlace();
  }, 180_000);

  it('refuses the host, the control plane, its database and daemon, metadata, the LAN and other pods; the proxy and the internet stay open', async () => {
    const pod = podA.status.containerId ?? '';
    for (const [name, url] of Object.entries(forbidden(podA))) {
      expect([name, await probe(pod, url)]).toEqual([name, null]);
    }
    expect(await probe(shared1, `http://${shared2.ip}:18789/healthz`)).toBeNull();
    const gateway = gatewayOf(podA.status.subnet ?? '');
    expect(await probe(pod, `http://${gateway}:${ports.proxy}/`)).toBe('proxy-ok');
    expect(await probe(pod, `http://${OUTSIDE.internet}/`)).toBe('outside-ok');
    // The proxy on the host still reaches the pods, and the control container the outside.
    expect(await fromHost(`http://${podA.status.ipAddress}:18789/healthz`)).toMatch(/ok/);
    expect(await probe(control, `http://${OUTSIDE.metadata}/`)).toBe('outside-ok');
  }, 120_000);

  it('holds each pod to its egress policy: none, then an allow-list, set through the API', async () => {
    const pod = podA.status.containerId ?? '';
    const internet = `http://${OUTSIDE.internet}/`;
    const patch = (egress: unknown) => cp.api('PATCH', `/pods/${podA.id}`, { egress });
    expect((await patch({ mode: 'none' })).status).toBe(200);
    podA = await runningPod(podA.id);
    await eventually(
      'internet refused',
      async () =>
        (await probe(podA.status.containerId ?? '', internet)) === null ? true : undefined,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    // Only this pod: the other keeps the internet.
    expect(await probe(podB.status.containerId ?? '', internet)).toBe('outside-ok');
    expect((await patch({ mode: 'allowlist', cidrs: ['203.0.113.0/24'] })).status).toBe(200);
    expect((await patch({ mode: 'allowlist', cidrs: ['198.51.100.0/24'] })).status).toBe(200);
    podA = await runningPod(podA.id);
    await eventually(
      'allow-listed host reachable',
      async () =>
        (await probe(podA.status.containerId ?? '', internet)) === 'outside-ok' ? true : undefined,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    // An allow-list never opens private ranges.
    expect((await patch({ mode: 'allowlist', cidrs: ['0.0.0.0/0'] })).status).toBe(200);
    podA = await runningPod(podA.id);
    await eventually('rules for 0.0.0.0/0', async () => (filter.status.ok ? true : undefined));
    await filter.settled();
    expect(await probe(podA.status.containerId ?? '', `http://${OUTSIDE.metadata}/`)).toBeNull();
    const bad = await patch({ mode: 'allowlist', cidrs: ['example.com'] });
    expect(bad.status).toBe(400);
    expect(pod).toBeTruthy();
  }, 240_000);

  it('puts flushed rules back, counts the repair, and refuses again', async () => {
    const chain = `${chainPrefixFor(cp.server.context.installationId)}-FWD`;
    const before = filter.status.repairs;
    sh('iptables', ['-w', '5', '-F', chain]);
    await eventually(
      'a repair',
      async () => (filter.status.repairs > before && filter.status.ok ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    expect(await probe(podA.status.containerId ?? '', `http://${OUTSIDE.metadata}/`)).toBeNull();
    expect(await probe(podA.status.containerId ?? '', `http://${OUTSIDE.lan}/`)).toBeNull();
  }, 120_000);
});
