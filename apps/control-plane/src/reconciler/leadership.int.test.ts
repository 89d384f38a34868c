// Two control planes on one PostgreSQL database, in-process, on the real Docker daemon: one
// reconciles (advisory lock), both serve the API, and a write on the follower reaches the
// leader at once (LISTEN/NOTIFY). When the leader stops, the follower takes over.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createScratchDatabase } from '../db/testing.js';
import { createLogger } from '../logger.js';
import { LABEL_POD_ID } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost } from '../runtime/testing.js';
import { type RunningServer, startServer } from '../server.js';

let leader: RunningServer;
let follower: RunningServer;
let token = '';
let dropDatabase: () => Promise<void>;
const dirs: string[] = [];
const podIds: string[] = [];

async function start(databaseUrl: string, secretKey: string): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'agentpod-lead-'));
  dirs.push(dir);
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    AGENTPOD_DATA_DIR: dir,
    AGENTPOD_PORT: '0',
    // Shared by every instance of one installation, or they could not read each other's secrets.
    AGENTPOD_SECRET_KEY: secretKey,
    // An hour: only a notification can explain a prompt reconcile below.
    AGENTPOD_RESYNC_INTERVAL_MS: '3600000',
    AGENTPOD_POD_SUBNET_POOL: '10.217.0.0/16',
    AGENTPOD_SWEEP_DRY_RUN: 'true',
  });
  return startServer(config, createLogger('silent'), {
    announce: (line) => {
      token = /(ap_[\w-]+)/.exec(line)?.[1] ?? token;
    },
  });
}

async function api<T>(server: RunningServer, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
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
    const tenant = await api<{ id: string }>(follower, 'POST', '/tenants', { name: 'lead' });
    const pod = await api<PodWithStatus>(follower, 'POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'lead',
      desiredState: 'stopped',
    });
    expect(pod.status).toBe(201);
    podIds.push(pod.body.id);
    const seen = await eventually(
      'the leader to reconcile the new pod',
      async () => {
        const { body } = await api<PodWithStatus>(follower, 'GET', `/pods/${pod.body.id}`);
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
    const patched = await api<PodWithStatus>(follower, 'PATCH', `/pods/${podId}`, {
      name: 'renamed',
    });
    expect(patched.body.generation).toBe(2);
    await eventually(
      'the new leader to reconcile the change',
      async () => {
        const { body } = await api<PodWithStatus>(follower, 'GET', `/pods/${podId}`);
        return body.status.observedGeneration === 2 ? true : undefined;
      },
      { timeoutMs: 15_000 },
    );
  });
});
