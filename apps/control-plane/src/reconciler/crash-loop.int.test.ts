// A pod whose agent is killed at every start, on the real stack: Docker restarts it at first,
// then AgentPod holds the restarts with a growing, capped back-off (a small base here), records
// every death and a BackOff event, and gives the restarts back to Docker once it runs fine.
import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../e2e/testing.js';
import {
  type ContainerView,
  type DockerHost,
  findContainerByName,
  LABEL_POD_ID,
  listContainers,
  listNetworks,
} from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { containerName } from './names.js';

const BASE_MS = 1_000;
const MAX_MS = 4_000;
let docker: DockerHost;
let cp: InProcessControlPlane | undefined;
let pod: PodWithStatus | undefined;

const events = async (reason: string) =>
  (await cp?.api<{ items: PodEvent[] }>('GET', `/pods/${pod?.id}/events?reason=${reason}`))?.body
    .items ?? [];
const container = () => findContainerByName(docker, containerName(pod?.id ?? ''));

beforeAll(async () => {
  docker = testHost();
  cp = await InProcessControlPlane.startFresh({
    AGENTPOD_BASE_DOMAIN: 'crashloop.test',
    AGENTPOD_POD_SUBNET_POOL: '10.241.0.0/16',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    AGENTPOD_CRASH_BACKOFF_MS: String(BASE_MS),
    AGENTPOD_CRASH_BACKOFF_MAX_MS: String(MAX_MS),
    // The reset (twice the cap of running fine) is noticed at a resync.
    AGENTPOD_RESYNC_INTERVAL_MS: '1000',
  });
  const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'crashloop' });
  const created = await cp.api<PodWithStatus>('POST', '/pods', {
    tenantId: tenant.body.id,
    subdomain: 'crashloop',
    resources: { memoryMb: 64 },
  });
  expect(created.status).toBe(201);
  pod = created.body;
  await eventually(
    'the pod running',
    async () => ((await container())?.state.running ? true : undefined),
    { timeoutMs: 60_000 },
  );
}, 120_000);

afterAll(async () => {
  await cp?.close();
  const only = { [LABEL_POD_ID]: pod?.id ?? 'none' };
  // Until nothing of the pod is left: a removal can race the container's last restart.
  await eventually('the pod objects removed', async () => {
    await removeTestObjects(docker, only);
    const left = [...(await listContainers(docker, only)), ...(await listNetworks(docker, only))];
    return left.length === 0 ? true : undefined;
  });
}, 60_000);

/** Waits for a start after `after`, then kills it (SIGKILL, from outside, as `docker kill`). */
async function nextStartThenKill(after: Date | null): Promise<ContainerView> {
  const started = await eventually(
    'the next start',
    async () => {
      const c = await container();
      const since = c?.state.startedAt?.getTime() ?? 0;
      return c?.state.status === 'running' && since > (after?.getTime() ?? 0) ? c : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  await docker.docker.getContainer(started.id).kill();
  return started;
}

describe('a crash-looping pod', () => {
  it('is restarted with a growing, capped back-off, every death and back-off recorded', async () => {
    const crashes = 5;
    const starts: ContainerView[] = [];
    let last: Date | null = null;
    for (let i = 0; i < crashes; i++) {
      const started = await nextStartThenKill(last);
      starts.push(started);
      last = started.state.startedAt;
      // Each death is seen before the next: two exits within one reconcile are one report
      // (the exit is read from the container, which keeps only its last).
      await eventually(`death ${i + 1} recorded`, async () => {
        const found = await events('Died');
        return found.length >= i + 1 ? true : undefined;
      });
      if (i === crashes - 1) {
        // While it waits out the cap, the status says so and Docker will not restart it.
        const held = await eventually('the pod to say it backs off', async () => {
          const { body } = (await cp?.api<PodWithStatus>('GET', `/pods/${pod?.id}`)) ?? {};
          return /^back-off \d+s restarting failed container$/.test(body?.status.lastError ?? '')
            ? body
            : undefined;
        });
        expect(held.status.phase).toBe('failed');
        expect((await container())?.restartPolicy).toBe('no');
      }
    }
    // Read from Docker itself: when it finished after each kill, when it started again.
    const final = await eventually(
      'the start after the last crash',
      async () => {
        const c = await container();
        return c?.state.running && (c.state.startedAt?.getTime() ?? 0) > (last?.getTime() ?? 0)
          ? c
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const finishes: number[] = [];
    for (let i = 1; i < starts.length; i++) {
      finishes.push(starts[i]?.state.finishedAt?.getTime() ?? Number.NaN);
    }
    finishes.push(final.state.finishedAt?.getTime() ?? Number.NaN);
    const restartDelays = finishes.map(
      (f, i) => ([...starts.slice(1), final][i]?.state.startedAt?.getTime() ?? 0) - f,
    );
    console.log(`crash-loop: restart delays after each crash (ms): ${restartDelays.join(', ')}`);
    // Crashes 1-2: Docker's own quick restarts; from crash 3: base * 2^(n-2), capped.
    expect(restartDelays[2]).toBeGreaterThanOrEqual(2 * BASE_MS);
    expect(restartDelays[3]).toBeGreaterThanOrEqual(MAX_MS);
    expect(restartDelays[4]).toBeGreaterThanOrEqual(MAX_MS);
    expect(restartDelays[3]).toBeGreaterThan(restartDelays[0] ?? 0);
    expect(restartDelays[2]).toBeGreaterThan(restartDelays[0] ?? 0);

    const died = await eventually('every death recorded', async () => {
      const found = await events('Died');
      return found.length >= crashes ? found : undefined;
    });
    for (const d of died) expect(d.message).toMatch(/code 137/);
    const backOff = await events('BackOff');
    expect(backOff.length).toBeGreaterThanOrEqual(3);
    for (const b of backOff) {
      expect(b.type).toBe('warning');
      expect(b.message).toMatch(/^back-off \d+s restarting failed container/);
    }
  }, 180_000);

  it('gives the restarts back to Docker once the agent has run fine, and counts afresh', async () => {
    await eventually(
      "Docker's restart policy back",
      async () => ((await container())?.restartPolicy === 'unless-stopped' ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const backOffBefore = (await events('BackOff')).length;
    const killed = await nextStartThenKill(null);
    // Docker restarts it by itself: no back-off for a first crash.
    await eventually(
      'Docker to restart it',
      async () => {
        const c = await container();
        return c?.state.running &&
          (c.state.startedAt?.getTime() ?? 0) > (killed.state.startedAt?.getTime() ?? 0)
          ? c
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await cp?.services.reconciler.resync();
    await cp?.services.reconciler.idle();
    expect(await events('BackOff')).toHaveLength(backOffBefore);
    expect((await container())?.restartPolicy).toBe('unless-stopped');
  }, 120_000);
});
