// The sweeper against the real daemon and a real database: labelled objects whose pod row
// does not exist are removed after the grace period; owned ones and volumes never are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPod } from '../db/queries/pods.js';
import { createTenant } from '../db/queries/tenants.js';
import { openTestDatabase, type TestDatabase } from '../db/testing.js';
import { createLogger } from '../logger.js';
import {
  createContainer,
  type DockerHost,
  ensureNetwork,
  ensureVolume,
  findContainerByName,
  inspectNetwork,
  inspectVolume,
  LABEL_MANAGED,
  LABEL_POD_ID,
} from '../runtime/index.js';
import { removeTestObjects, testHost, testImage, testName } from '../runtime/testing.js';
import { Sweeper } from './sweeper.js';

const ORPHAN = 'pod_sweeporphan000000000';
let docker: DockerHost;
let t: TestDatabase;
let ownedPodId: string;
const names = {
  orphan: testName('sweep-orphan'),
  owned: testName('sweep-owned'),
  net: testName('sweep-net'),
};

async function labelled(podId: string, name: string) {
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_POD_ID]: podId, 'agentpod.test': 'sweeper' };
  return createContainer(docker, {
    name,
    image: testImage('BASE'),
    cmd: ['true'],
    env: {},
    labels,
    mounts: [],
  });
}

beforeAll(async () => {
  docker = testHost();
  t = await openTestDatabase('pglite');
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
  await labelled(ORPHAN, names.orphan);
  await labelled(ownedPodId, names.owned);
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_POD_ID]: ORPHAN, 'agentpod.test': 'sweeper' };
  await ensureNetwork(docker, {
    name: names.net,
    labels,
    subnet: '10.219.0.0/28',
    gateway: '10.219.0.1',
  });
  await ensureVolume(docker, { name: `${names.net}-state`, labels });
});

afterAll(async () => {
  await removeTestObjects(docker, { 'agentpod.test': 'sweeper' });
  await t.destroy();
});

describe('Sweeper', () => {
  it('waits out the grace period, honours dry-run, then removes orphans only, never volumes', async () => {
    let now = 1_000_000;
    const logger = createLogger('silent');
    const options = { graceMs: 60_000, intervalMs: 60_000, now: () => now };
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
  });
});
