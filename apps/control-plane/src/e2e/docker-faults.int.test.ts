// Docker-level faults on a throwaway daemon of the test's own (never the shared one): a daemon
// that stops answering (`kill -STOP`, as Debian's dockerd 20.10 hung on a libnetwork lock) and a
// daemon restart. Stand-in agent pods run on it under a control plane in this process.
import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName, podNetworkName, volumeName } from '../reconciler/names.js';
import { observePod } from '../reconciler/observe.js';
import {
  type DockerHost,
  findContainerByName,
  inspectNetwork,
  inspectVolume,
  LABEL_POD_ID,
  listContainers,
} from '../runtime/index.js';
import { eventually, testImage } from '../runtime/testing.js';
import { ThrowawayDockerd } from '../runtime/throwaway-dockerd.js';
import { InProcessControlPlane } from './testing.js';

const POD_COUNT = 3;
let daemon: ThrowawayDockerd | undefined;
let docker: DockerHost;
let cp: InProcessControlPlane | undefined;
let pods: PodWithStatus[] = [];

async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  if (!cp) throw new Error('no control plane');
  return cp.api<T>(method, path, body);
}
const getPod = async (id: string) => (await api<PodWithStatus>('GET', `/pods/${id}`)).body;
const events = async (id: string, reason: string) =>
  (await api<{ items: PodEvent[] }>('GET', `/pods/${id}/events?reason=${reason}`)).body.items;
/** The pod's events of `reason` from `since` on: this test's outage, not an earlier one. */
const eventsSince = async (id: string, reason: string, since: Date) =>
  (await events(id, reason)).filter((e) => Date.parse(e.createdAt) >= since.getTime());
async function readyz(): Promise<{ status: number; detail: string }> {
  const res = await fetch(`${cp?.server.url}/readyz`);
  const body = (await res.json()) as { detail?: string };
  return { status: res.status, detail: body.detail ?? '' };
}
/** Containers per pod, by the pod-id label, on the throwaway daemon. */
async function containersByPod(): Promise<Map<string, string[]>> {
  const byPod = new Map<string, string[]>();
  for (const c of await listContainers(docker, { 'agentpod.managed': 'true' })) {
    const id = c.labels[LABEL_POD_ID];
    if (id) byPod.set(id, [...(byPod.get(id) ?? []), c.id]);
  }
  return byPod;
}
async function allRunningAndClear(): Promise<PodWithStatus[] | undefined> {
  const now = await Promise.all(pods.map((p) => getPod(p.id)));
  return now.every((p) => p.status.phase === 'running' && p.status.lastError === null)
    ? now
    : undefined;
}

beforeAll(async () => {
  daemon = await ThrowawayDockerd.start({ images: [testImage('STANDIN')] });
  docker = daemon.host(30_000);
  cp = await InProcessControlPlane.startFresh({
    DOCKER_HOST: daemon.url,
    // Short, so an outage is noticed in seconds rather than the default 10 s per call.
    AGENTPOD_DOCKER_TIMEOUT_MS: '1500',
    AGENTPOD_BASE_DOMAIN: 'faults.test',
    AGENTPOD_POD_SUBNET_POOL: '10.240.0.0/16',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
  });
  const tenant = await api<{ id: string }>('POST', '/tenants', { name: 'faults' });
  for (let i = 0; i < POD_COUNT; i++) {
    const created = await api<PodWithStatus>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: `faults-${i}`,
      resources: { memoryMb: 64 },
    });
    expect(created.status).toBe(201);
    pods.push(created.body);
  }
  pods = await eventually('every pod running', allRunningAndClear, { timeoutMs: 120_000 });
}, 240_000);

afterAll(async () => {
  daemon?.thaw();
  await cp?.close();
  await daemon?.remove();
}, 120_000);

describe('a Docker daemon that stops answering', () => {
  it('says so in the pods, an event and /readyz, changes nothing, and converges once it answers', async () => {
    // Quiet first. With a 1.5 s deadline a slow machine can see an outage of its own while the
    // pods are made (a start that took longer: the pod says so, then clears); this test's
    // outage must begin at the freeze, with no reconcile in flight and every pod clear.
    await cp?.services.reconciler.idle();
    pods = await eventually('every pod running and clear', allRunningAndClear, {
      timeoutMs: 60_000,
    });
    const before = await containersByPod();
    for (const p of pods) expect(before.get(p.id)).toHaveLength(1);
    const frozenAt = new Date();
    daemon?.freeze();

    // A timed-out inspect is an error, never "missing": the protection everything else rests on.
    const short = daemon?.host(1_000) as DockerHost;
    const first = pods[0] as PodWithStatus;
    await expect(findContainerByName(short, containerName(first.id))).rejects.toMatchObject({
      code: 'docker_timeout',
    });
    await expect(inspectNetwork(short, podNetworkName('any'))).rejects.toMatchObject({
      code: 'docker_timeout',
    });
    await expect(inspectVolume(short, volumeName(first.id))).rejects.toMatchObject({
      code: 'docker_timeout',
    });
    await expect(observePod(short, first.id, 'healthy')).rejects.toMatchObject({
      code: 'docker_timeout',
    });

    // A write while Docker hangs: accepted (the database is fine), applied later.
    expect((await api('POST', `/pods/${first.id}/restart`)).status).toBe(202);
    const ready = await eventually('/readyz to name Docker', async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    });
    expect(ready.detail).toMatch(/Docker \(unix:\/\/.*\) is not ready: .*no answer from Docker/);

    // Every pod's reconcile runs into the outage (a resync, as the timer would), more than once.
    for (let pass = 0; pass < 2; pass++) {
      await cp?.services.reconciler.resync();
      await cp?.services.reconciler.idle();
    }
    const during = await eventually('every pod to say Docker is not answering', async () => {
      const now = await Promise.all(pods.map((p) => getPod(p.id)));
      return now.every((p) => /^Docker is not answering/.test(p.status.lastError ?? ''))
        ? now
        : undefined;
    });
    for (const p of during) {
      expect(p.status.phase).toBe('running');
      // One event per outage, however many calls timed out.
      const notAnswering = await eventsSince(p.id, 'DockerNotAnswering', frozenAt);
      expect(notAnswering).toHaveLength(1);
      expect(notAnswering[0]?.type).toBe('warning');
    }

    daemon?.thaw();
    const thawedAt = Date.now();
    let lastReady = '';
    await eventually(
      '/readyz 200',
      async () => {
        const r = await readyz();
        lastReady = r.detail;
        return r.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last /readyz: ${lastReady}`);
    });
    const after = await eventually(
      'the restart applied and every pod clear',
      async () => {
        const now = await allRunningAndClear();
        const restarted = (await events(first.id, 'Restarted')).length > 0;
        return now && restarted ? now : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const convergedMs = Date.now() - thawedAt;
    console.log(`docker-faults: converged ${convergedMs} ms after the daemon was thawed`);

    // Exactly one container per pod, the same one as before: nothing removed or recreated.
    const byPod = await containersByPod();
    for (const p of pods) expect(byPod.get(p.id)).toEqual(before.get(p.id));
    const restartedFirst = await findContainerByName(docker, containerName(first.id));
    expect(restartedFirst?.state.startedAt?.getTime()).toBeGreaterThan(frozenAt.getTime());
    for (const p of after) {
      const changed = [
        ...(await events(p.id, 'Created')),
        ...(await events(p.id, 'Recreated')),
        ...(await events(p.id, 'Deleted')),
      ].filter((e) => Date.parse(e.createdAt) >= frozenAt.getTime());
      expect(changed).toEqual([]);
      expect(await eventsSince(p.id, 'DockerNotAnswering', frozenAt)).toHaveLength(1);
    }
  }, 240_000);
});

describe('a Docker daemon restart', () => {
  it('has every pod running again, reconnects the event stream and misses no exit', async () => {
    const before = await containersByPod();
    const stoppedAt = Date.now();
    await daemon?.stopDaemon();
    await eventually('/readyz 503 while the daemon is down', async () =>
      (await readyz()).status === 503 ? true : undefined,
    );
    await daemon?.startDaemon();
    const backAt = Date.now();
    // An exit in the window before the control plane has noticed the daemon is back.
    const victim = pods[1] as PodWithStatus;
    daemon?.cli('kill', containerName(victim.id));

    const dockerRunning = await eventually(
      'Docker to run every pod again',
      async () => {
        for (const p of pods) {
          const c = await findContainerByName(docker, containerName(p.id));
          if (!c?.state.running || c.state.status !== 'running') return undefined;
        }
        return Date.now();
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    await eventually('every pod running and clear in its status', allRunningAndClear, {
      timeoutMs: 90_000,
    });
    const statusAt = Date.now();
    console.log(
      `docker-faults: daemon down ${backAt - stoppedAt} ms; every container running ` +
        `${dockerRunning - backAt} ms and every pod's status running ${statusAt - backAt} ms ` +
        'after the daemon answered again',
    );

    const byPod = await containersByPod();
    for (const p of pods) expect(byPod.get(p.id)).toEqual(before.get(p.id));
    // The kill in the window is recorded, with its exit code.
    const died = await eventually('the kill recorded', async () => {
      const found = (await events(victim.id, 'Died')).filter((e) => /code 137/.test(e.message));
      return found.length > 0 ? found : undefined;
    });
    expect(died).toHaveLength(1);
    // Exits the daemon's own shutdown caused are no crash loop: nothing is held back.
    for (const p of pods) expect(await events(p.id, 'BackOff')).toEqual([]);

    // The event stream is connected again: a kill now is seen through it, long before the
    // 30 s resync would find it.
    const other = pods[2] as PodWithStatus;
    const diedBefore = (await events(other.id, 'Died')).length;
    daemon?.cli('kill', containerName(other.id));
    await eventually(
      'the Died event',
      async () => ((await events(other.id, 'Died')).length > diedBefore ? true : undefined),
      { timeoutMs: 15_000 },
    );
  }, 240_000);
});
