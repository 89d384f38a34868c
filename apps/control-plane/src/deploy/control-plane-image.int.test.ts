// The production image (docker/control-plane/Dockerfile, built by scripts/build-test-images.sh)
// run the way docker/docker-compose.yml runs it: on the host network with the Docker socket. On
// a fresh PostgreSQL database it migrates, prints the first admin token, takes a pod through its
// API, runs it on the real daemon, and its prober finds the pod healthy at its bridge address.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { callApi } from '../e2e/testing.js';
import { renderFilter } from '../network/filter-rules.js';
import { containerName } from '../reconciler/names.js';
import { freePort } from '../routing/testing.js';
import {
  containerLogs,
  type DockerHost,
  findContainerByName,
  LABEL_POD_ID,
} from '../runtime/index.js';
import {
  eventually,
  removeTestObjects,
  testHost,
  testImage,
  testName,
} from '../runtime/testing.js';

const LABELS = { 'agentpod.test': 'deploy' };
let docker: DockerHost;
let containerId = '';
let api = '';
let token = '';
let dropDatabase: (() => Promise<void>) | undefined;
const podIds: string[] = [];

function builtImage(kind: 'CONTROL_PLANE' | 'DASHBOARD'): string {
  const image = process.env[`AGENTPOD_TEST_IMAGE_${kind}`];
  if (!image) throw new Error(`AGENTPOD_TEST_IMAGE_${kind} is not set: run scripts/test-env.sh`);
  return image;
}

async function output(): Promise<string> {
  const lines = await containerLogs(docker, containerId, { tail: 200 });
  return lines.map((line) => line.text).join('\n');
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await callApi<T>(api, token, method, path, body);
  if (res.status >= 400)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  docker = testHost();
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  const port = await freePort('127.0.0.1');
  api = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: db.url,
    AGENTPOD_HOST: '127.0.0.1',
    AGENTPOD_PORT: String(port),
    AGENTPOD_BASE_DOMAIN: 'agents.test',
    AGENTPOD_SECRET_KEY: randomBytes(32).toString('base64'),
    AGENTPOD_PROXY: 'none',
    AGENTPOD_IMAGE_OPENCLAW: testImage('OPENCLAW'),
    AGENTPOD_POD_SUBNET_POOL: '10.216.0.0/16',
    // Other test files' labelled objects come and go while this runs: never sweep them.
    AGENTPOD_SWEEP_DRY_RUN: 'true',
  };
  // Raw dockerode: the runtime's ContainerSpec describes pods, which never get the host network
  // or the Docker socket.
  const container = await docker.docker.createContainer({
    name: testName('control-plane'),
    Image: builtImage('CONTROL_PLANE'),
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: LABELS,
    // The image's own check, every second instead of every ten.
    Healthcheck: { Interval: 1_000_000_000 },
    HostConfig: { NetworkMode: 'host', Binds: ['/var/run/docker.sock:/var/run/docker.sock'] },
  });
  containerId = container.id;
  await container.start();
  token = await eventually(
    'the first admin token in the logs',
    async () => /shown only this once: (ap_[\w-]+)/.exec(await output())?.[1],
    { timeoutMs: 60_000, intervalMs: 500 },
  );
});

afterAll(async () => {
  // The control plane first, so that nothing recreates a pod's container behind our back.
  if (docker) await removeTestObjects(docker, LABELS);
  for (const podId of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: podId });
  await dropDatabase?.();
});

describe('the control-plane image', () => {
  it('turns healthy by its own health check', async () => {
    const health = await eventually(
      'a healthy control-plane container',
      async () => {
        const info = await docker.docker.getContainer(containerId).inspect();
        if (!info.State.Running) throw new Error(`exited: ${await output()}`);
        return info.State.Health?.Status === 'healthy' ? info.State.Health : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(health.Log.at(-1)?.ExitCode).toBe(0);
  });

  it('carries an iptables that reads the host tables and loads the network filter, as compose runs it', async () => {
    // The image's own iptables on the host network with NET_ADMIN (docker-compose.yml): it sees
    // Docker's chain and accepts the rules AgentPod renders (--test: checked, not committed).
    const run = (entrypoint: string, args: string[], input?: string) =>
      execFileSync(
        'docker',
        [
          '-H',
          process.env.AGENTPOD_TEST_DOCKER_HOST ?? '',
          'run',
          '--rm',
          '-i',
          '--label',
          'agentpod.test=deploy',
          '--network',
          'host',
          '--cap-add',
          'NET_ADMIN',
          '--entrypoint',
          entrypoint,
          builtImage('CONTROL_PLANE'),
          ...args,
        ],
        { encoding: 'utf8', input, timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] },
      );
    expect(run('iptables', ['-S', 'DOCKER-USER'])).toMatch(/^-N DOCKER-USER$/m);
    const rules = renderFilter({
      chainPrefix: 'AGENTPOD-imagetest',
      pool: '10.216.0.0/16',
      proxyPorts: [443, 80],
      dnsServers: ['192.0.2.53'],
      pods: [
        { ip: '10.216.0.2', egress: { mode: 'none' } },
        { ip: '10.216.0.3', egress: { mode: 'allowlist', cidrs: ['203.0.113.0/24'] } },
      ],
    });
    run('iptables-restore', ['--test', '--noflush'], rules.restore);
  });

  it('creates a pod through its API that runs and turns healthy on the real daemon', async () => {
    const tenant = await call<{ id: string }>('POST', '/tenants', { name: 'image-test' });
    let pod = await call<PodWithStatus>('POST', '/pods', {
      tenantId: tenant.id,
      subdomain: 'image-test',
    });
    podIds.push(pod.id);
    try {
      pod = await eventually(
        'the pod running and healthy',
        async () => {
          const p = await call<PodWithStatus>('GET', `/pods/${pod.id}`);
          return p.status.phase === 'running' && p.status.health === 'healthy' ? p : undefined;
        },
        { timeoutMs: 150_000, intervalMs: 1_000 },
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\ncontrol plane:\n${(await output()).slice(-3000)}`,
      );
    }
    expect(pod.status.subnet).toMatch(/^10\.216\.\d+\.\d+\/20$/);
    const container = await findContainerByName(docker, containerName(pod.id));
    expect(container?.state.running).toBe(true);
    expect(container?.labels).toMatchObject({
      'agentpod.managed': 'true',
      'agentpod.pod-id': pod.id,
    });
  });

  it('runs the dashboard image beside it, as compose does: healthy, talking to the API', async () => {
    const port = await freePort('127.0.0.1');
    const dashboard = await docker.docker.createContainer({
      name: testName('dashboard'),
      Image: builtImage('DASHBOARD'),
      Env: [`AGENTPOD_API_URL=${api}`, 'HOSTNAME=127.0.0.1', `PORT=${port}`],
      Labels: LABELS,
      Healthcheck: { Interval: 1_000_000_000 },
      HostConfig: { NetworkMode: 'host' },
    });
    await dashboard.start();
    const health = await eventually(
      'a healthy dashboard container',
      async () => {
        const info = await dashboard.inspect();
        if (!info.State.Running) throw new Error('the dashboard container exited');
        return info.State.Health?.Status === 'healthy' ? info : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(health.Config.User).toBe('1000:1000');
    // No operator account exists yet: the dashboard asked the API and sends people to the setup.
    const res = await fetch(`http://127.0.0.1:${port}/pods`, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect(res.status).toBeLessThan(400);
    expect(res.headers.get('location')).toMatch(/\/(setup|login)/);
  });
});
