// The installation's pod network on the real daemon: made once with inter-container traffic off,
// in a subnet no other network uses; found again by a new process; refused when it is not one
// AgentPod may put pods on; made again when it disappears. And the upgrade from the layout before
// it: a pod whose container sits on a network of its own moves onto the shared one, its state
// kept, and its old network goes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { InProcessControlPlane } from '../e2e/testing.js';
import {
  type DockerHost,
  ensureNetwork,
  execInContainer,
  findContainerByName,
  inspectNetwork,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_POD_ID,
  LABEL_SPEC_HASH,
  LABEL_TENANT_ID,
  removeNetwork,
} from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { containerName, podNetworkName, volumeName } from './names.js';
import { PodNetwork, PodNetworkUnusable } from './pod-network.js';
import { parseSubnetPool } from './subnets.js';

const POOL = '10.230.0.0/16';
const TEST = { 'agentpod.test': 'pod-network' };
let docker: DockerHost;

beforeAll(() => {
  docker = testHost();
});

afterAll(async () => {
  await removeTestObjects(docker, TEST);
});

describe('PodNetwork', () => {
  const installationId = `pn${Date.now().toString(36)}`;
  const pool = parseSubnetPool(POOL, 20);

  afterAll(async () => {
    await removeTestObjects(docker, { [LABEL_INSTALLATION]: installationId });
  });

  it('makes one bridge with traffic between containers off, in a subnet of the pool no network uses', async () => {
    // Someone else's network in the first /20 of the pool.
    await ensureNetwork(docker, {
      name: `aptest-pn-other-${installationId}`,
      labels: TEST,
      subnet: '10.230.0.0/24',
    });
    const [first, second] = await Promise.all([
      new PodNetwork(docker, { installationId, pool }).ensure(),
      new PodNetwork(docker, { installationId, pool }).ensure(),
    ]);
    expect(first).toEqual(second);
    expect(first).toMatchObject({
      name: podNetworkName(installationId),
      subnet: '10.230.16.0/20',
      gateway: '10.230.16.1',
    });
    const view = await inspectNetwork(docker, first.name);
    expect(view?.driver).toBe('bridge');
    expect(view?.options['com.docker.network.bridge.enable_icc']).toBe('false');
    expect(view?.labels).toMatchObject({
      [LABEL_MANAGED]: 'true',
      [LABEL_INSTALLATION]: installationId,
      'agentpod.role': 'pods',
    });
    // A new process (a restart) finds it instead of making another.
    expect(await new PodNetwork(docker, { installationId, pool }).ensure()).toEqual(first);
  });

  it('makes it again when it disappears, once told to look again', async () => {
    const network = new PodNetwork(docker, { installationId, pool });
    const before = await network.ensure();
    await removeNetwork(docker, before.id);
    // Remembered: no Docker call per reconcile.
    expect(await network.ensure()).toEqual(before);
    network.forget();
    const after = await network.ensure();
    expect(after.id).not.toBe(before.id);
    expect((await inspectNetwork(docker, after.name))?.id).toBe(after.id);
  });

  it('refuses a network of that name that lets containers reach each other, or is not its own', async () => {
    const id = `pn${Date.now().toString(36)}x`;
    await ensureNetwork(docker, {
      name: podNetworkName(id),
      labels: { ...TEST, [LABEL_INSTALLATION]: id },
      subnet: '10.230.240.0/24',
    });
    const open = new PodNetwork(docker, { installationId: id, pool });
    await expect(open.ensure()).rejects.toThrow(PodNetworkUnusable);
    await expect(open.ensure()).rejects.toThrow(/reach each other/);

    const other = `pn${Date.now().toString(36)}y`;
    await ensureNetwork(docker, {
      name: podNetworkName(other),
      labels: { ...TEST, [LABEL_INSTALLATION]: 'someoneelse0' },
      subnet: '10.230.241.0/24',
      options: { 'com.docker.network.bridge.enable_icc': 'false' },
    });
    await expect(new PodNetwork(docker, { installationId: other, pool }).ensure()).rejects.toThrow(
      /not made by this installation/,
    );
  });
});

describe('upgrading from a network per pod', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataDir: string;
  let cp: InProcessControlPlane | undefined;
  let pod: PodWithStatus;
  let installation = '';
  const legacyNetwork = () => `agentpod-${pod.id}`;

  let token = '';
  const start = async () => {
    cp = await InProcessControlPlane.start({
      DATABASE_URL: scratch.url,
      AGENTPOD_DATA_DIR: dataDir,
      AGENTPOD_BASE_DOMAIN: 'podnet.test',
      AGENTPOD_POD_SUBNET_POOL: '10.231.0.0/16',
      AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
      AGENTPOD_SWEEP_GRACE_MS: '0',
      AGENTPOD_SWEEP_DRY_RUN: 'false',
    });
    // The admin token is announced once, by the first start.
    if (token) cp.token = token;
    else token = cp.token;
  };
  const live = (): InProcessControlPlane => {
    if (!cp) throw new Error('the control plane is not running');
    return cp;
  };
  const fetchPod = async () => (await live().api<PodWithStatus>('GET', `/pods/${pod.id}`)).body;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'agentpod-test-'));
    await start();
    const api = live();
    const tenant = await api.api<{ id: string }>('POST', '/tenants', { name: 'podnet' });
    pod = (
      await api.api<PodWithStatus>('POST', '/pods', {
        tenantId: tenant.body.id,
        subdomain: 'podnet',
        resources: { memoryMb: 64 },
      })
    ).body;
    pod = await eventually(
      'the pod running and healthy',
      async () => {
        const p = await fetchPod();
        return p.status.phase === 'running' && p.status.health === 'healthy' ? p : undefined;
      },
      { timeoutMs: 90_000 },
    );
    installation = api.server.context.installationId;
  }, 150_000);

  afterAll(async () => {
    await cp?.close();
    if (pod) await removeTestObjects(docker, { [LABEL_POD_ID]: pod.id });
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('moves the pod onto the shared network, keeps its state volume, and removes its old network', async () => {
    await live().close();
    cp = undefined;
    // The pod as the layout before left it: a network of its own (a /28 of the pool) and a
    // container on it, made from an older spec, holding data in the state volume.
    const now = await docker.docker.getContainer(containerName(pod.id)).inspect();
    const labels = {
      [LABEL_MANAGED]: 'true',
      [LABEL_INSTALLATION]: installation,
      [LABEL_POD_ID]: pod.id,
      [LABEL_TENANT_ID]: pod.tenantId,
    };
    await ensureNetwork(docker, {
      name: legacyNetwork(),
      labels,
      subnet: '10.231.200.16/28',
      gateway: '10.231.200.17',
    });
    await docker.docker.getContainer(now.Id).remove({ force: true });
    const legacy = await docker.docker.createContainer({
      ...now.Config,
      name: containerName(pod.id),
      Labels: { ...now.Config.Labels, [LABEL_SPEC_HASH]: 'before0000000000' },
      HostConfig: { ...now.HostConfig, NetworkMode: legacyNetwork() },
      NetworkingConfig: { EndpointsConfig: { [legacyNetwork()]: {} } },
    } as Dockerode.ContainerCreateOptions);
    await legacy.start();
    const marker = await execInContainer(docker, legacy.id, [
      'sh',
      '-c',
      `echo kept > ${now.Mounts[0]?.Destination}/marker`,
    ]);
    expect(marker.exitCode).toBe(0);

    await start();
    const moved = await eventually(
      'the pod recreated on the shared network',
      async () => {
        const p = await fetchPod();
        const c = await findContainerByName(docker, containerName(pod.id));
        return c &&
          c.id !== legacy.id &&
          c.state.running &&
          p.status.containerId === c.id &&
          p.status.health === 'healthy'
          ? { p, c }
          : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(Object.keys(moved.c.networks)).toEqual([podNetworkName(installation)]);
    expect(moved.p.status.ipAddress).toBe(moved.c.networks[podNetworkName(installation)]);
    expect(moved.p.status.subnet).toMatch(/^10\.231\.\d+\.0\/20$/);
    const read = await execInContainer(docker, moved.c.id, [
      'cat',
      `${now.Mounts[0]?.Destination}/marker`,
    ]);
    expect(read.stdout.trim()).toBe('kept');
    expect(now.Mounts[0]?.Name).toBe(volumeName(pod.id));

    // Nothing is attached to the old network any more: the sweeper removes it.
    const api = live();
    expect(
      await eventually('the old network removed', async () => {
        await api.services.sweeper.sweep();
        return (await inspectNetwork(docker, legacyNetwork())) === null ? true : undefined;
      }),
    ).toBe(true);
    expect(await inspectNetwork(docker, podNetworkName(installation))).not.toBeNull();
  }, 180_000);
});
