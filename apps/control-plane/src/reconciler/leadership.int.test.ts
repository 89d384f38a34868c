// Two control planes on one PostgreSQL database, in-process, on the real Docker daemon: one
// reconciles (advisory lock), both serve the API, and a write on the follower reaches the
// leader at once (LISTEN/NOTIFY). When the leader stops, the follower takes over.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { InProcessControlPlane } from '../e2e/testing.js';
import { LABEL_POD_ID } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost } from '../runtime/testing.js';

let leader: InProcessControlPlane;
let follower: InProcessControlPlane;
let dropDatabase: () => Promise<void>;
const dirs: string[] = [];
const podIds: string[] = [];

async function start(databaseUrl: string, secretKey: string): Promise<InProcessControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'agentpod-lead-'));
  dirs.push(dir);
  return InProcessControlPlane.start({
    DATABASE_URL: databaseUrl,
    AGENTPOD_DATA_DIR: dir,
    // Shared by every instance of one installation, or they could not read each other's secrets.
    AGENTPOD_SECRET_KEY: secretKey,
    // An hour: only a notification can explain a prompt reconcile below.
    AGENTPOD_RESYNC_INTERVAL_MS: '3600000',
    AGENTPOD_POD_SUBNET_POOL: '10.217.0.0/16',
    AGENTPOD_SWEEP_DRY_RUN: 'true',
  });
}

beforeAll(async () => {
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  const key = randomBytes(32).toString('base64');
  leader = await start(db.url, key);
  await eventually('the first instance to lead', () =>
    leader.services.reconciler.isLeader ? true : undefined,
  );
  follower = await start(db.url, key);
  // The same installation: the token the first instance announced is good on both.
  follower.token = leader.token;
});

afterAll(async () => {
  await follower?.close();
  await leader?.close().catch(() => {});
  const docker = testHost();
  for (const id of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: id });
  await dropDatabase?.();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('several control planes on one PostgreSQL database', () => {
  it('lets exactly one of them reconcile', () => {
    expect(leader.services.reconciler.isLeader).toBe(true);
    expect(follower.services.reconciler.isLeader).toBe(false);
  });

  it('reconciles a write made on the follower at once, through the leader', async () => {
    const tenant = await follower.api<{ id: string }>('POST', '/tenants', { name: 'lead' });
    const pod = await follower.api<PodWithStatus>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'lead',
      desiredState: 'stopped',
    });
    expect(pod.status).toBe(201);
    podIds.push(pod.body.id);
    const seen = await eventually(
      'the leader to reconcile the new pod',
      async () => {
        const { body } = await follower.api<PodWithStatus>('GET', `/pods/${pod.body.id}`);
        return body.status.observedGeneration === 1 ? body : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(seen.status.phase).toBe('stopped');
  });

  it('hands the reconciler to the follower when the leader stops', async () => {
    await leader.close();
    await eventually(
      'the follower to lead',
      () => (follower.services.reconciler.isLeader ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    const podId = podIds[0] as string;
    const patched = await follower.api<PodWithStatus>('PATCH', `/pods/${podId}`, {
      name: 'renamed',
    });
    expect(patched.body.generation).toBe(2);
    await eventually(
      'the new leader to reconcile the change',
      async () => {
        const { body } = await follower.api<PodWithStatus>('GET', `/pods/${podId}`);
        return body.status.observedGeneration === 2 ? true : undefined;
      },
      { timeoutMs: 15_000 },
    );
  });
});
