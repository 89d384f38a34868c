// The sweeper against the real daemon and a real database: this installation's labelled
// objects whose pod row does not exist are removed after the grace period; owned ones, volumes,
// and anything of another installation (or of none) never are. A file writer a crash left
// behind (never started, no pod id) goes too, and a pod's own network (the layout before the
// shared pod network) once nothing is attached to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInstallationId } from '../db/queries/installation.js';
import { createPod } from '../db/queries/pods.js';
import { createTenant } from '../db/queries/tenants.js';
import { openTestDatabase, type TestDatabase } from '../db/testing.js';
import { createLogger } from '../logger.js';
import {
  createContainer,
  type DockerHost,
  ensureNetwork,
  ensureVolume,
  FILE_WRITER_ROLE,
  findContainerByName,
  inspectNetwork,
  inspectVolume,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_POD_ID,
  LABEL_ROLE,
  removeContainer,
  startContainer,
} from '../runtime/index.js';
import { removeTestObjects, testHost, testImage, testName } from '../runtime/testing.js';
import { PodNetwork } from './pod-network.js';
import { parseSubnetPool } from './subnets.js';
import { Sweeper } from './sweeper.js';

const ORPHAN = 'pod_sweeporphan000000000';
const TEST = { 'agentpod.test': 'sweeper' };
let docker: DockerHost;
let t: TestDatabase;
let installation: string;
let ownedPodId: string;
const names = {
  orphan: testName('sweep-orphan'),
  owned: testName('sweep-owned'),
  foreign: testName('sweep-foreign'),
  unowned: testName('sweep-unowned'),
  net: testName('sweep-net'),
  ownNet: testName('sweep-ownnet'),
  user: testName('sweep-user'),
  writer: testName('sweep-writer'),
  foreignWriter: testName('sweep-foreign-writer'),
};

function labels(podId: string, installationId: string | null) {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_POD_ID]: podId,
    ...(installationId ? { [LABEL_INSTALLATION]: installationId } : {}),
    ...TEST,
  };
}

/** A helper that wrote files into volumes (fresh-files.ts) and was never removed: no pod id. */
async function writer(name: string, installationId: string) {
  return createContainer(docker, {
    name,
    image: testImage('BASE'),
    cmd: ['true'],
    env: {},
    labels: {
      [LABEL_MANAGED]: 'true',
      [LABEL_INSTALLATION]: installationId,
      [LABEL_ROLE]: FILE_WRITER_ROLE,
      ...TEST,
    },
    mounts: [],
    network: { name: 'none' },
  });
}

async function labelled(name: string, podId: string, installationId: string | null) {
  return createContainer(docker, {
    name,
    image: testImage('BASE'),
    cmd: ['true'],
    env: {},
    labels: labels(podId, installationId),
    mounts: [],
  });
}

beforeAll(async () => {
  docker = testHost();
  t = await openTestDatabase('pglite');
  installation = await ensureInstallationId(t.db);
  const tenant = await createTenant(t.db, { name: 'sweep' });
  ownedPodId = (
    await createPod(t.db, {
      tenantId: tenant.id,
      name: 'owned',
      subdomain: 'sweep',
      agentType: 'openclaw',
      image: null,
      config: {},
      resources: { memoryMb: 256, cpus: 1, pidsLimit: 64 },
      desiredState: 'stopped',
      secrets: {},
    })
  ).id;
  await labelled(names.orphan, ORPHAN, installation);
  await labelled(names.owned, ownedPodId, installation);
  // Another installation's pod, and an object from before installations had ids: not ours.
  await labelled(names.foreign, ORPHAN, 'someoneelse0');
  await labelled(names.unowned, ORPHAN, null);
  await writer(names.writer, installation);
  await writer(names.foreignWriter, 'someoneelse0');
  await ensureNetwork(docker, {
    name: names.net,
    labels: labels(ORPHAN, installation),
    subnet: '10.229.0.0/28',
    gateway: '10.229.0.1',
  });
  await ensureVolume(docker, { name: `${names.net}-state`, labels: labels(ORPHAN, installation) });
});

afterAll(async () => {
  await removeTestObjects(docker, TEST);
  // The shared pod network the second test made carries only the installation's labels.
  await removeTestObjects(docker, { [LABEL_INSTALLATION]: installation });
  await t.destroy();
});

describe('Sweeper', () => {
  it('waits out the grace period, honours dry-run, then removes its own orphans only, never volumes', async () => {
    let now = 1_000_000;
    const logger = createLogger('silent');
    const options = {
      installationId: installation,
      graceMs: 60_000,
      intervalMs: 60_000,
      now: () => now,
    };
    const dry = new Sweeper(t.db, docker, logger, { ...options, dryRun: true });
    const real = new Sweeper(t.db, docker, logger, { ...options, dryRun: false });

    // First sight starts the grace period: nothing is removed.
    expect(await real.sweep()).toEqual({ containers: [], networks: [] });
    await dry.sweep();
    now += 61_000;
    // Dry run names the orphans and removes nothing.
    const wouldRemove = await dry.sweep();
    expect(wouldRemove.containers).toContain(names.orphan);
    expect(wouldRemove.networks).toContain(names.net);
    expect(wouldRemove.containers).not.toContain(names.owned);
    expect(await findContainerByName(docker, names.orphan)).not.toBeNull();

    const removed = await real.sweep();
    expect(removed.containers).toContain(names.orphan);
    expect(await findContainerByName(docker, names.orphan)).toBeNull();
    expect(await inspectNetwork(docker, names.net)).toBeNull();
    expect(await findContainerByName(docker, names.owned)).not.toBeNull();
    expect(await inspectVolume(docker, `${names.net}-state`)).not.toBeNull();
    // The same orphan pod id, but made by another installation or by none: left alone.
    expect(removed.containers).not.toContain(names.foreign);
    expect(await findContainerByName(docker, names.foreign)).not.toBeNull();
    expect(await findContainerByName(docker, names.unowned)).not.toBeNull();
    // A file writer a crash left behind goes too; another installation's stays.
    expect(removed.containers).toContain(names.writer);
    expect(await findContainerByName(docker, names.writer)).toBeNull();
    expect(await findContainerByName(docker, names.foreignWriter)).not.toBeNull();
  });

  it("removes an owned pod's own network (the layout before the shared one) once nothing is attached, and never the shared one", async () => {
    let now = 5_000_000;
    const sweeper = new Sweeper(t.db, docker, createLogger('silent'), {
      installationId: installation,
      graceMs: 1_000,
      intervalMs: 60_000,
      dryRun: false,
      now: () => now,
    });
    const shared = await new PodNetwork(docker, {
      installationId: installation,
      pool: parseSubnetPool('10.229.16.0/20', 20),
    }).ensure();
    await ensureNetwork(docker, {
      name: names.ownNet,
      labels: labels(ownedPodId, installation),
      subnet: '10.229.0.16/28',
      gateway: '10.229.0.17',
    });
    // The pod's container still runs on its own network (not yet moved by its reconcile).
    const user = await createContainer(docker, {
      name: names.user,
      image: testImage('BASE'),
      cmd: ['sleep', '300'],
      env: {},
      labels: labels(ownedPodId, installation),
      mounts: [],
      network: { name: names.ownNet },
    });
    await startContainer(docker, user);

    await sweeper.sweep();
    now += 2_000;
    expect((await sweeper.sweep()).networks).toEqual([]);
    expect(await inspectNetwork(docker, names.ownNet)).not.toBeNull();

    await removeContainer(docker, user, { force: true });
    expect((await sweeper.sweep()).networks).toEqual([names.ownNet]);
    expect(await inspectNetwork(docker, names.ownNet)).toBeNull();
    expect((await inspectNetwork(docker, shared.name))?.id).toBe(shared.id);
  });
});
