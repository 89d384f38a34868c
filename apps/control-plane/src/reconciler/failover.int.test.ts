// Two control planes on one PostgreSQL database, in-process, on the real Docker daemon, with a
// proxy configured (traefik mode: no container needed). The leader reaches PostgreSQL through a
// relay that the test cuts off silently, the way a network partition does: the leader must
// notice on its own (keepalive), stop mutating Docker even in the middle of a reconcile
// (fencing), and the standby must take over only once the server has dropped the old session.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { PostgresRelay } from '../e2e/pg-relay.js';
import { InProcessControlPlane } from '../e2e/testing.js';
import { type ContainerSummary, LABEL_POD_ID, listContainers } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';

const PROXY_TOKEN = randomBytes(24).toString('hex');
const docker = testHost();
let relay: PostgresRelay;
let leader: InProcessControlPlane;
let standby: InProcessControlPlane;
let dropDatabase: () => Promise<void>;
const dirs: string[] = [];
let podId = '';

async function start(databaseUrl: string, secretKey: string): Promise<InProcessControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'agentpod-failover-'));
  dirs.push(dir);
  return InProcessControlPlane.start({
    DATABASE_URL: databaseUrl,
    AGENTPOD_DATA_DIR: dir,
    AGENTPOD_SECRET_KEY: secretKey,
    AGENTPOD_PROXY: 'traefik',
    AGENTPOD_PROXY_TOKEN: PROXY_TOKEN,
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    AGENTPOD_POD_SUBNET_POOL: '10.245.0.0/16',
    AGENTPOD_SWEEP_DRY_RUN: 'true',
    // An hour: only notifications and events drive reconciles here.
    AGENTPOD_RESYNC_INTERVAL_MS: '3600000',
    AGENTPOD_LEADER_KEEPALIVE_MS: '500',
    AGENTPOD_LEADER_TIMEOUT_MS: '1000',
    AGENTPOD_LEADER_RETRY_MS: '500',
  });
}

async function readyz(cp: InProcessControlPlane) {
  const res = await fetch(`${cp.server.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { role?: string; detail?: string } };
}

const podContainers = (): Promise<ContainerSummary[]> =>
  listContainers(docker, { [LABEL_POD_ID]: podId });

beforeAll(async () => {
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  const server = new URL(db.url);
  relay = new PostgresRelay({ host: server.hostname, port: Number(server.port) });
  await relay.start();
  const key = randomBytes(32).toString('base64');
  leader = await start(relay.urlFor(db.url), key);
  await eventually('the first instance to lead', () =>
    leader.services.reconciler.isLeader ? true : undefined,
  );
  standby = await start(db.url, key);
  standby.token = leader.token;
});

afterAll(async () => {
  await relay?.stop();
  await standby?.close();
  await leader?.close().catch(() => {});
  await relay?.stop();
  if (podId) await removeTestObjects(docker, { [LABEL_POD_ID]: podId });
  await dropDatabase?.();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('leadership under a proxy, a partition and a takeover', () => {
  it('reports the standby ready without the leader-only proxy sync, with its role', async () => {
    // Traefik has polled neither instance: only the leader drives the proxy, so only it waits.
    const lead = await readyz(leader);
    expect([lead.status, lead.body.role]).toEqual([503, 'leader']);
    const stand = await readyz(standby);
    expect([stand.status, stand.body.role]).toEqual([200, 'standby']);
    const polled = await fetch(`${leader.server.url}/api/v1/proxy/traefik`, {
      headers: { authorization: `Bearer ${PROXY_TOKEN}` },
    });
    expect(polled.status).toBe(200);
    expect(await readyz(leader)).toMatchObject({ status: 200, body: { role: 'leader' } });
  });

  it('fences a leader cut off mid-reconcile, and hands over once the server lets go', async () => {
    const tenant = await standby.api<{ id: string }>('POST', '/tenants', { name: 'failover' });
    const created = await standby.api<PodWithStatus>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'failover',
      resources: { memoryMb: 64 },
    });
    expect(created.status).toBe(201);
    podId = created.body.id;
    const first = await eventually(
      'the pod running',
      async () => {
        const { body } = await standby.api<PodWithStatus>('GET', `/pods/${podId}`);
        return body.status.phase === 'running' ? body.status.containerId : undefined;
      },
      { timeoutMs: 60_000 },
    );

    // A spec change makes the leader replace the container: stop, remove, create, start. The
    // agent is frozen (SIGSTOP from the host), so the stop takes the whole 10 s grace period; the
    // leader is cut off once the stop has begun: every later mutation would be a non-leader's.
    const { State } = await docker.docker.getContainer(first as string).inspect();
    process.kill(State.Pid, 'SIGSTOP');
    const kill = nextKillEvent(first as string, Math.floor(Date.now() / 1000) - 1);
    const patched = await standby.api('PATCH', `/pods/${podId}`, { resources: { memoryMb: 96 } });
    expect(patched.status).toBe(200);
    await withDeadline(kill, 60_000, 'the leader to begin stopping the old container');
    relay.freeze();
    const frozenAt = Date.now();

    await eventually('the cut-off leader to step down', () =>
      leader.services.reconciler.isLeader ? undefined : true,
    );
    const stepDownMs = Date.now() - frozenAt;
    await eventually(
      'the stop to finish',
      async () => {
        const [c] = await podContainers();
        return c && c.status !== 'running' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // The reconcile in flight ends at its next mutation; without fencing it would go on to
    // remove the old container and create a new one (and then hang on the frozen database).
    await withDeadline(leader.services.reconciler.idle(), 30_000, 'the fenced reconcile to end');
    const during = await podContainers();
    expect(during.map((c) => [c.id, c.status])).toEqual([[first, 'exited']]);
    // The server still holds the silent session's lock: no second leader yet.
    expect(standby.services.reconciler.isLeader).toBe(false);

    // The server lets go of the silent session (its TCP keepalive, in real life); the old
    // leader stays cut off, so the lock can only go to the standby.
    const droppedAt = Date.now();
    relay.dropServerSide();
    await eventually(
      'the standby to lead',
      () => (standby.services.reconciler.isLeader ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const takeoverMs = Date.now() - droppedAt;
    const converged = await eventually(
      'the new leader to replace the container',
      async () => {
        const { body } = await standby.api<PodWithStatus>('GET', `/pods/${podId}`);
        return body.status.observedGeneration === 2 && body.status.phase === 'running'
          ? body
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const after = await podContainers();
    expect(after.map((c) => [c.id, c.status])).toEqual([[converged.status.containerId, 'running']]);
    expect(converged.status.containerId).not.toBe(first);
    // The network heals: the old leader is back on the database, as a standby, because the lock
    // is the new leader's.
    relay.heal();
    await eventually(
      'the old leader back on the database, as a standby',
      async () => {
        const r = await readyz(leader);
        return r.status === 200 && r.body.role === 'standby' ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(leader.services.reconciler.isLeader).toBe(false);
    expect(standby.services.reconciler.isLeader).toBe(true);
    console.info(
      `failover figures: step-down ${stepDownMs} ms after the cut (keepalive 500 ms + timeout 1000 ms); takeover ${takeoverMs} ms after the server dropped the session (retry 500 ms)`,
    );
  });
});

/**
 * Resolves on the container's first `kill` event since `sinceSeconds` (`docker stop` has begun).
 * `since` replays events from before the call: the daemon answers only once there is one.
 */
async function nextKillEvent(containerId: string, sinceSeconds: number): Promise<void> {
  const stream = (await docker.docker.getEvents({
    since: sinceSeconds,
    filters: { container: [containerId], event: ['kill'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  return new Promise((resolve) => {
    stream.once('data', () => {
      stream.destroy();
      resolve();
    });
  });
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
