// Exits read from what Docker keeps on the container, on the real stack: a stand-in agent pod
// runs out of memory while no control plane is running; Docker's restart policy brings it back;
// the control plane that starts afterwards still records the OOM kill, with the restart count.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { InProcessControlPlane } from '../e2e/testing.js';
import {
  type DockerHost,
  execInContainer,
  findContainerByName,
  LABEL_POD_ID,
} from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { containerName } from './names.js';

let docker: DockerHost;
let cp: InProcessControlPlane | undefined;
let env: Record<string, string>;
let dropDatabase: () => Promise<void>;
let dataDir: string;
let pod: PodWithStatus;

let token = '';
/** A control plane on the test's database; the second one uses the token the first announced. */
const start = async () => {
  cp = await InProcessControlPlane.start(env);
  if (token) cp.token = token;
  token = cp.token;
  return cp;
};

async function events(reason: string): Promise<PodEvent[]> {
  const res = await cp?.api<{ items: PodEvent[] }>(
    'GET',
    `/pods/${pod.id}/events?reason=${reason}`,
  );
  return res?.body.items ?? [];
}

/** Events of one reason recorded since `at` (a second's slack for the database's clock). */
async function eventsSince(reason: string, at: number): Promise<PodEvent[]> {
  return (await events(reason)).filter((e) => Date.parse(e.createdAt) >= at - 1_000);
}

/** Waits for at least one such event since `at`, and returns them all. */
function eventuallyEvents(reason: string, at: number): Promise<PodEvent[]> {
  return eventually(
    `a ${reason} event`,
    async () => {
      const found = await eventsSince(reason, at);
      return found.length > 0 ? found : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

/** SIGKILLs the agent's main process: the container dies with 137 and Docker starts it again. */
async function killAgent(): Promise<number> {
  const at = Date.now();
  await execInContainer(docker, containerName(pod.id), ['sh', '-c', 'kill -9 $(pidof openclaw)']);
  return at;
}

beforeAll(async () => {
  docker = testHost();
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-exits-'));
  env = {
    DATABASE_URL: db.url,
    AGENTPOD_DATA_DIR: dataDir,
    // Both control planes are the same installation: they must read each other's secrets.
    AGENTPOD_SECRET_KEY: randomBytes(32).toString('base64'),
    AGENTPOD_BASE_DOMAIN: 'exits.test',
    AGENTPOD_POD_SUBNET_POOL: '10.225.0.0/16',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    AGENTPOD_SWEEP_DRY_RUN: 'true',
  };
  const first = await start();
  const tenant = await first.api<{ id: string }>('POST', '/tenants', { name: 'exits' });
  const created = await first.api<PodWithStatus>('POST', '/pods', {
    tenantId: tenant.body.id,
    subdomain: 'exits',
    resources: { memoryMb: 64 },
  });
  expect(created.status).toBe(201);
  pod = created.body;
  await eventually(
    'the pod running',
    async () => {
      const { body } = await first.api<PodWithStatus>('GET', `/pods/${pod.id}`);
      return body.status.phase === 'running' ? body : undefined;
    },
    { timeoutMs: 60_000 },
  );
});

afterAll(async () => {
  await cp?.close();
  await removeTestObjects(docker, { [LABEL_POD_ID]: pod.id });
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('exits read from Docker', () => {
  it('records an OOM kill that happened while the control plane was down, with the restart count', async () => {
    await cp?.close();
    cp = undefined;
    const before = await findContainerByName(docker, containerName(pod.id));
    // The stand-in agent itself runs out of its 64 MiB.
    await execInContainer(docker, containerName(pod.id), [
      'sh',
      '-c',
      'echo oom > /tmp/standin-control',
    ]);
    const after = await eventually(
      'Docker to restart the OOM-killed container',
      async () => {
        const c = await findContainerByName(docker, containerName(pod.id));
        return c?.state.running && c.restartCount > (before?.restartCount ?? 0) ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(after.state.oomKilled).toBe(true);
    expect(after.id).toBe(before?.id);

    const second = await start();
    const [oom] = await eventually(
      'the OOM kill recorded',
      async () => {
        const found = await events('OOMKilled');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(oom?.type).toBe('warning');
    expect(oom?.message).toMatch(/ran out of memory \(limit 64 MiB\)/);
    expect(oom?.message).toMatch(/Docker restarted it \(restart 1 of this container\)/);
    // The event and the exit mark are one transaction, but a read of the pod comes from the
    // watch cache, which the change feed brings up to date a moment later: wait for it.
    const status = await eventually(
      'the exit on the pod status',
      async () => {
        const { body } = await second.api<PodWithStatus>('GET', `/pods/${pod.id}`);
        return body.status.lastExit ? body.status : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(status.lastExit).toMatchObject({ oomKilled: true, restartCount: 1 });
    expect(status.lastExit?.at).toBe(after.state.finishedAt?.toISOString());
  });

  it('records an exit it sees happen with its exit code, once, and not the restarts it makes itself', async () => {
    const killedAt = await killAgent();
    const died = await eventuallyEvents('Died', killedAt);
    expect(died).toHaveLength(1);
    expect(died[0]?.message).toMatch(/exited with code 137/);

    // A restart AgentPod makes is not an unexpected exit. Asked once Docker's own restart is
    // done, or that restart would already satisfy the request (it started after it).
    await eventually('the agent running again', async () => {
      const c = await findContainerByName(docker, containerName(pod.id));
      return c?.state.running && (c.state.startedAt?.getTime() ?? 0) > killedAt ? true : undefined;
    });
    const diedBefore = (await events('Died')).length;
    expect((await cp?.api('POST', `/pods/${pod.id}/restart`))?.status).toBe(202);
    await eventually('the requested restart done', async () => {
      const found = await events('Restarted');
      return found.length > 0 ? true : undefined;
    });
    await cp?.services.reconciler.resync();
    await cp?.services.reconciler.idle();
    expect(await events('Died')).toHaveLength(diedBefore);
    expect(await events('OOMKilled')).toHaveLength(1);
  });

  it('records an exit once when the write of its mark fails: the event and the mark land together', async () => {
    // The database refuses every status write that would store a new exit mark, as a crash or a
    // lost connection between the two writes would leave it.
    const admin = new pg.Client({ connectionString: env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`
        CREATE FUNCTION refuse_exit_mark() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'test: exit marks refused'; END $$;
        CREATE TRIGGER refuse_exit_mark BEFORE UPDATE ON pod_status FOR EACH ROW
          WHEN (NEW.last_exit IS DISTINCT FROM OLD.last_exit) EXECUTE FUNCTION refuse_exit_mark();
      `);
      const diedBefore = (await events('Died')).length;
      const markBefore = (await cp?.api<PodWithStatus>('GET', `/pods/${pod.id}`))?.body.status
        .lastExit;
      const killedAt = await killAgent();
      // A reconcile fails on the refused write.
      const failed = await eventuallyEvents('ReconcileFailed', killedAt);
      expect(failed[0]?.message).toMatch(/update "pod_status"|exit marks refused/);
      // The exit was seen and its event written in the failed transaction: none is kept.
      expect(await events('Died')).toHaveLength(diedBefore);

      await admin.query('DROP TRIGGER refuse_exit_mark ON pod_status');
      const status = await eventually(
        'the exit mark stored once the database takes it',
        async () => {
          const { body } = (await cp?.api<PodWithStatus>('GET', `/pods/${pod.id}`)) ?? {};
          const mark = body?.status.lastExit;
          return mark && mark.at !== markBefore?.at ? body.status : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(status.lastExit?.exitCode).toBe(137);
      await cp?.services.reconciler.resync();
      await cp?.services.reconciler.idle();
      // Exactly one event for the one exit: not lost with the failed write, not written twice.
      const died = await eventsSince('Died', killedAt);
      expect(died).toHaveLength(1);
      expect(died[0]?.message).toMatch(/exited with code 137/);
    } finally {
      await admin
        .query(
          'DROP TRIGGER IF EXISTS refuse_exit_mark ON pod_status; DROP FUNCTION IF EXISTS refuse_exit_mark()',
        )
        .catch(() => {});
      await admin.end();
    }
  });
});
