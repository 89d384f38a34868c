// Two installations of AgentPod on one Docker host (or a test run beside an operator's real
// one): each labels its objects with its own installation id, so neither sweeps, reuses or
// takes the subnet of the other's. Two in-process control planes, two databases, one daemon.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { InProcessControlPlane } from '../e2e/testing.js';
import {
  findContainerByName,
  inspectNetwork,
  LABEL_INSTALLATION,
  LABEL_POD_ID,
  listContainers,
} from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { containerName, podNetworkName } from './names.js';

interface Installation {
  cp: InProcessControlPlane;
  drop: () => Promise<void>;
  dir: string;
  pods: PodWithStatus[];
}

const docker = testHost();
const installations: Installation[] = [];

async function install(): Promise<Installation> {
  const db = await createScratchDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'agentpod-inst-'));
  const cp = await InProcessControlPlane.start({
    DATABASE_URL: db.url,
    AGENTPOD_DATA_DIR: dir,
    AGENTPOD_BASE_DOMAIN: 'installations.test',
    // The same pool for both, as two default installations would have.
    AGENTPOD_POD_SUBNET_POOL: '10.220.0.0/16',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    // Orphans are removed at first sight: anything of the other installation would go at once.
    AGENTPOD_SWEEP_GRACE_MS: '0',
  });
  const installation = { cp, drop: db.drop, dir, pods: [] };
  installations.push(installation);
  return installation;
}

async function runningPod(i: Installation, subdomain: string): Promise<PodWithStatus> {
  const tenant = await i.cp.api<{ id: string }>('POST', '/tenants', { name: subdomain });
  const created = await i.cp.api<PodWithStatus>('POST', '/pods', {
    tenantId: tenant.body.id,
    subdomain,
  });
  expect(created.status).toBe(201);
  i.pods.push(created.body);
  return eventually(
    `${subdomain} running`,
    async () => {
      const { body } = await i.cp.api<PodWithStatus>('GET', `/pods/${created.body.id}`);
      return body.status.phase === 'running' ? body : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

let a: Installation;
let b: Installation;

beforeAll(async () => {
  a = await install();
  b = await install();
});

afterAll(async () => {
  for (const i of installations) await i.cp.close().catch(() => undefined);
  for (const i of installations) {
    for (const pod of i.pods) await removeTestObjects(docker, { [LABEL_POD_ID]: pod.id });
    await i.drop();
    rmSync(i.dir, { recursive: true, force: true });
  }
});

describe('two installations on one Docker host', () => {
  let podA: PodWithStatus;
  let podB: PodWithStatus;

  it('label their objects with different installation ids and never share a subnet', async () => {
    expect(a.cp.server.context.installationId).not.toBe(b.cp.server.context.installationId);
    podA = await runningPod(a, 'alpha');
    // B's database knows nothing of A's subnet; Docker's networks do.
    podB = await runningPod(b, 'bravo');
    expect(podA.status.subnet).not.toBe(podB.status.subnet);
    const netA = await inspectNetwork(docker, podNetworkName(a.cp.server.context.installationId));
    const netB = await inspectNetwork(docker, podNetworkName(b.cp.server.context.installationId));
    expect(netA?.labels[LABEL_INSTALLATION]).toBe(a.cp.server.context.installationId);
    expect(netB?.labels[LABEL_INSTALLATION]).toBe(b.cp.server.context.installationId);
    expect(netA?.subnets[0]?.subnet).toBe(podA.status.subnet);
    expect(netB?.subnets[0]?.subnet).toBe(podB.status.subnet);
  });

  it("sweep only their own orphans, never the other installation's pods", async () => {
    const mine = await a.cp.services.sweeper.sweep();
    const theirs = await b.cp.services.sweeper.sweep();
    expect(mine).toEqual({ containers: [], networks: [] });
    expect(theirs).toEqual({ containers: [], networks: [] });
    expect((await findContainerByName(docker, containerName(podB.id)))?.state.running).toBe(true);
    expect((await findContainerByName(docker, containerName(podA.id)))?.state.running).toBe(true);
  });

  it("still sweep their own orphans: B's container with no pod row goes, A's pod stays", async () => {
    // Make B an orphan of its own: its container stays, its pod row disappears (a restored backup).
    const bInstallation = b.cp.server.context.installationId;
    await b.cp.server.context.db.db.execute(`DELETE FROM pods WHERE id = '${podB.id}'`);
    const removed = await b.cp.services.sweeper.sweep();
    expect(removed.containers).toEqual([containerName(podB.id)]);
    expect(await findContainerByName(docker, containerName(podB.id))).toBeNull();
    expect(await listContainers(docker, { [LABEL_INSTALLATION]: bInstallation })).toEqual([]);
    expect((await a.cp.services.sweeper.sweep()).containers).toEqual([]);
    expect((await findContainerByName(docker, containerName(podA.id)))?.state.running).toBe(true);
  });
});
