// The routing path for real: echo pods on their own bridge networks, a real Caddy on the host
// configured only through CaddyAdmin, and clients that come in over a non-loopback address
// (the docker bridge gateway) with real TLS verification against Caddy's local CA.
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import type { LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  createContainer,
  DockerError,
  type DockerHost,
  ensureNetwork,
  inspectContainer,
  inspectNetwork,
  LABEL_MANAGED,
  startContainer,
} from '../runtime/index.js';
import {
  eventually,
  removeTestObjects,
  TEST_LABEL,
  testHost,
  testImage,
  testName,
} from '../runtime/testing.js';
import { type CaddyAdmin, type CaddyOptions, renderCaddyConfig } from './caddy.js';
import { buildRoutes, type RoutablePod } from './routes.js';
import { CaddyProcess, httpsGet } from './testing.js';

const TEST_ONLY = { [TEST_LABEL]: 'routing' };
const LABELS = { [LABEL_MANAGED]: 'true', ...TEST_ONLY };
const BASE_DOMAIN = 'agents.test';
const ECHO_PORT = 8080;
/** What Caddy 2.6 answers a TLS handshake for a host it holds no certificate for. */
const NO_CERTIFICATE = {
  code: 'EPROTO',
  message: expect.stringMatching(/tlsv1 alert internal error/),
};

interface EchoPod {
  pod: RoutablePod;
  host: string;
  /** The pod network's gateway: the address the pod sees the proxy connect from. */
  gateway: string;
}

let docker: DockerHost;
let caddy: CaddyProcess;
let admin: CaddyAdmin;
let options: CaddyOptions;
let clientAddress: string;
let ca: string;
let alice: EchoPod;
let bob: EchoPod;

beforeAll(async () => {
  docker = testHost();
  await removeTestObjects(docker, TEST_ONLY);
  clientAddress = (await inspectNetwork(docker, 'bridge'))?.subnets[0]?.gateway ?? '172.17.0.1';
  alice = await startEchoPod('alice');
  bob = await startEchoPod('bob');

  caddy = new CaddyProcess();
  await caddy.start();
  admin = caddy.admin;
  options = {
    adminListen: new URL(caddy.adminUrl).host,
    httpsPort: caddy.httpsPort,
    httpPort: 0,
    tls: { issuer: 'internal' },
  };
  await admin.load(renderCaddyConfig(buildRoutes([alice.pod, bob.pod], routeOpts), options));
  ca = await admin.rootCertificate();
});

afterAll(async () => {
  await caddy?.stop();
  if (docker) await removeTestObjects(docker, TEST_ONLY);
});

const routeOpts = { baseDomain: BASE_DOMAIN };

describe('Caddy routing to pods', () => {
  it('serves each pod over verified HTTPS, seen by the pod as its network gateway', async () => {
    for (const pod of [alice, bob]) {
      const { status, body } = await eventually(`${pod.host} through Caddy`, () => get(pod.host));
      expect(status).toBe(200);
      const echo = JSON.parse(body);
      expect(echo.remoteAddress).toBe(pod.gateway);
      expect(echo.headers.host).toBe(`${pod.host}:${options.httpsPort}`);
      // Docker's MASQUERADE rule may rewrite the source of host -> 172.17.0.1 traffic to
      // another host address; what matters is that the client is not on loopback.
      expect(hostAddresses()).toContain(echo.headers['x-forwarded-for']);
      expect(echo.headers['x-forwarded-proto']).toBe('https');
    }
    expect(alice.gateway).not.toBe(bob.gateway);
  });

  it('carries a WebSocket to the pod and back', async () => {
    const socket = new WebSocket(`wss://${alice.host}:${options.httpsPort}/`, {
      ca,
      lookup: toClientAddress,
    });
    try {
      await once(socket, 'open');
      socket.send('hello through the proxy');
      const [reply] = await once(socket, 'message');
      expect(String(reply)).toBe('hello through the proxy');
    } finally {
      socket.close();
    }
  });

  it('has no certificate for an unknown host, and an empty 200 for an unknown Host header', async () => {
    await expect(get(`nobody.${BASE_DOMAIN}`)).rejects.toMatchObject(NO_CERTIFICATE);
    // A known SNI with another Host header matches no route: Caddy's default empty response.
    const response = await get(`nobody.${BASE_DOMAIN}`, { sni: alice.host });
    expect(response).toEqual({ status: 200, body: '' });
  });

  it('stops reaching a pod once a config without its route is pushed', async () => {
    const stopped: RoutablePod = { ...alice.pod, desiredState: 'stopped' };
    await admin.load(renderCaddyConfig(buildRoutes([stopped, bob.pod], routeOpts), options));

    await expect(get(alice.host)).rejects.toMatchObject(NO_CERTIFICATE);
    // The pod itself still answers: only the route is gone.
    const direct = await fetch(`http://${alice.pod.status.ipAddress}:${ECHO_PORT}/healthz`);
    expect(direct.status).toBe(200);
    expect(JSON.parse((await get(bob.host)).body).remoteAddress).toBe(bob.gateway);
  });

  it('keeps the running config when Caddy refuses a new one, and says why', async () => {
    const current = await admin.getConfig();
    const broken = renderCaddyConfig([], { ...options, listenHost: 'not an address::' });
    await expect(admin.load(broken)).rejects.toThrow(/400 loading config: .*listening on/);
    expect(await admin.getConfig()).toEqual(current);
    expect((await get(bob.host)).status).toBe(200);
  });
});

async function startEchoPod(subdomain: string): Promise<EchoPod> {
  const name = testName(`routing-${subdomain}`);
  const gateway = await createPodNetwork(name);
  const id = await createContainer(docker, {
    name,
    image: testImage('ECHO'),
    env: {},
    labels: LABELS,
    mounts: [],
    network: { name },
    exposedPorts: [ECHO_PORT],
  });
  await startContainer(docker, id);
  const ip = (await inspectContainer(docker, id)).networks[name];
  if (!ip) throw new Error(`${name} has no address on its network`);
  await eventually(`${name} answering`, async () => {
    const response = await fetch(`http://${ip}:${ECHO_PORT}/healthz`);
    return response.ok ? true : undefined;
  });
  const pod: RoutablePod = {
    id: `pod_${subdomain}`,
    tenantId: 'ten_routing',
    subdomain,
    desiredState: 'running',
    deletedAt: null,
    status: { phase: 'running', ipAddress: ip },
    port: ECHO_PORT,
  };
  return { pod, host: `${subdomain}.${BASE_DOMAIN}`, gateway };
}

/** A bridge network with a small random subnet; returns its gateway address. */
async function createPodNetwork(name: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const [third, fourth] = [randomInt(256), randomInt(16) * 16];
    const gateway = `10.213.${third}.${fourth + 1}`;
    try {
      await ensureNetwork(docker, {
        name,
        labels: LABELS,
        subnet: `10.213.${third}.${fourth}/28`,
        gateway,
      });
      return gateway;
    } catch (err) {
      // Another network (maybe another test run's) already holds that range: pick another.
      if (attempt < 5 && err instanceof DockerError && /overlap/i.test(err.message)) continue;
      throw err;
    }
  }
}

/** GET / through Caddy for `host`, sending `sni` in the TLS handshake (the host by default). */
function get(host: string, { sni = host } = {}): Promise<{ status: number; body: string }> {
  return httpsGet(`https://${host}:${options.httpsPort}/`, {
    address: clientAddress,
    ca,
    servername: sni,
  });
}

/** This machine's IPv4 addresses other than loopback. */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

/** Resolves every name to the bridge gateway, so clients never come from loopback. */
const toClientAddress: LookupFunction = (_hostname, lookupOptions, callback) => {
  if (lookupOptions.all) callback(null, [{ address: clientAddress, family: 4 }]);
  else callback(null, clientAddress, 4);
};
