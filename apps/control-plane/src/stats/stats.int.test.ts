// Resource monitoring and the history's retention on the real stack: a control plane in this
// process (PostgreSQL, the real Docker daemon) samples stand-in agent pods, serves their series,
// folds old samples into 5-minute rows, and forgets what is past its retention.
import type { PodEvent, PodStatsSeries, PodWithStatus } from '@agentpod/shared';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/client.js';
import { recordEvent } from '../db/queries/events.js';
import { RAW, ROLLUP_SECONDS, recordUsage } from '../db/queries/usage.js';
import { InProcessControlPlane } from '../e2e/testing.js';
import { createLogger } from '../logger.js';
import { LABEL_POD_ID } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { Retention } from './retention.js';

const INTERVAL_MS = 1_000;
let cp: InProcessControlPlane;
const podIds: string[] = [];
let pod: PodWithStatus;

async function samples(podId: string, resolution = RAW): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    cp.server.context.db.db,
    sql`SELECT count(*)::int AS n FROM pod_usage WHERE pod_id = ${podId} AND resolution = ${resolution}`,
  );
  return row?.n ?? 0;
}

beforeAll(async () => {
  cp = await InProcessControlPlane.startFresh({
    AGENTPOD_BASE_DOMAIN: 'stats.test',
    AGENTPOD_POD_SUBNET_POOL: '10.224.0.0/16',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    AGENTPOD_STATS_INTERVAL_MS: String(INTERVAL_MS),
  });
  const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'stats' });
  const created = await cp.api<PodWithStatus>('POST', '/pods', {
    tenantId: tenant.body.id,
    subdomain: 'stats',
    resources: { memoryMb: 128 },
  });
  podIds.push(created.body.id);
  pod = created.body;
});

afterAll(async () => {
  await cp?.close();
  const docker = testHost();
  for (const id of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: id });
});

describe('resource monitoring', () => {
  it("puts a running pod's usage in its status: memory against its limit, pids, a CPU share", async () => {
    const sampled = await eventually(
      'two samples of the running pod',
      async () => {
        const { body } = await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`);
        // The second sample is the first with a CPU share (the first has nothing to compare).
        return body.status.usage?.cpuPercent !== null && body.status.usage ? body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const usage = sampled.status.usage;
    expect(usage?.memoryBytes).toBeGreaterThan(0);
    expect(usage?.memoryLimitBytes).toBe(128 * 1024 * 1024);
    expect(usage?.pids).toBeGreaterThan(0);
    expect(usage?.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(usage?.networkRxBytes).toBeGreaterThanOrEqual(0);
  });

  it('serves the series at the resolution asked for, and refuses a step too fine for the range', async () => {
    await eventually(
      'a few samples',
      async () => ((await samples(pod.id)) >= 4 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const fine = await cp.api<PodStatsSeries>('GET', `/pods/${pod.id}/stats?since=${since}&step=1`);
    expect(fine.status).toBe(200);
    expect(fine.body).toMatchObject({ stepSeconds: 1, sourceResolutionSeconds: RAW });
    expect(fine.body.points.length).toBeGreaterThanOrEqual(4);
    expect(fine.body.points.every((p) => p.memoryLimitBytes === 128 * 1024 * 1024)).toBe(true);
    const coarse = await cp.api<PodStatsSeries>(
      'GET',
      `/pods/${pod.id}/stats?since=${since}&step=600`,
    );
    expect(coarse.body.points.length).toBeLessThanOrEqual(2);
    expect(coarse.body.points[0]?.memoryBytesMax).toBeGreaterThanOrEqual(
      coarse.body.points[0]?.memoryBytes ?? 0,
    );
    const defaults = await cp.api<PodStatsSeries>('GET', `/pods/${pod.id}/stats`);
    expect(defaults.body.stepSeconds).toBe(60);
    const tooFine = await cp.api<{ code: string }>(
      'GET',
      `/pods/${pod.id}/stats?since=${new Date(Date.now() - 3 * 3_600_000).toISOString()}&step=1`,
    );
    expect(tooFine.status).toBe(400);
    expect(tooFine.body.code).toBe('validation_failed');
  });

  it('collects nothing for a stopped pod, and its status no longer shows usage', async () => {
    expect((await cp.api('POST', `/pods/${pod.id}/stop`)).status).toBe(202);
    await eventually('the pod stopped, its usage cleared', async () => {
      const { body } = await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`);
      return body.status.phase === 'stopped' && body.status.usage === null ? true : undefined;
    });
    const before = await samples(pod.id);
    // Two whole passes of the collector, run here rather than waited for.
    await cp.services.stats.collect();
    await cp.services.stats.collect();
    expect(await samples(pod.id)).toBe(before);
  });
});

describe('history retention', () => {
  it('folds raw samples into 5-minute rows, serves old ranges from them, and deletes what is past retention', async () => {
    const db = cp.server.context.db.db;
    const now = Date.now();
    const hour = 3_600_000;
    // A whole 5-minute bucket seven hours ago (buckets start at multiples of 5 minutes).
    const bucket = Math.floor((now - 7 * hour) / 300_000) * 300_000;
    const sample = (at: number, memoryBytes: number) => ({
      podId: pod.id,
      usage: {
        at: new Date(at).toISOString(),
        cpuPercent: memoryBytes / 1_000,
        memoryBytes,
        memoryLimitBytes: 1_000_000,
        pids: 1,
        networkRxBytes: 0,
        networkTxBytes: 0,
        blockReadBytes: 0,
        blockWriteBytes: 0,
      },
      rates: {
        networkRxBytesPerSecond: 10,
        networkTxBytesPerSecond: 0,
        blockReadBytesPerSecond: 0,
        blockWriteBytesPerSecond: 0,
      },
    });
    for (const [at, bytes] of [
      [bucket + 10_000, 100],
      [bucket + 60_000, 200],
      [bucket + 120_000, 600],
    ] as const) {
      await recordUsage(db, [sample(at, bytes)]);
    }
    await recordEvent(db, { podId: pod.id, reason: 'Started', message: 'long ago' });
    await db.execute(
      sql`UPDATE pod_events SET created_at = ${new Date(now - 40 * 86_400_000).toISOString()}::timestamptz WHERE message = 'long ago'`,
    );
    const retention = new Retention(db, {
      rawMs: 6 * hour,
      rollupMs: 7 * 24 * hour,
      eventsMs: 30 * 24 * hour,
      auditMs: 90 * 24 * hour,
      intervalMs: 300_000,
      logger: createLogger('silent'),
      now: () => now,
    });
    // The raw samples of 7 h ago must be folded before they age out: the pass an hour later.
    const foldEarlier = new Retention(db, {
      rawMs: 8 * hour,
      rollupMs: 7 * 24 * hour,
      eventsMs: 365 * 24 * hour,
      auditMs: 365 * 24 * hour,
      intervalMs: 300_000,
      logger: createLogger('silent'),
      now: () => now,
    });
    await foldEarlier.pass();
    const pruned = await retention.pass();
    expect(pruned.events).toBeGreaterThanOrEqual(1);
    const [rollup] = await queryRows<{ memory_bytes: number; memory_bytes_max: number }>(
      db,
      sql`SELECT memory_bytes, memory_bytes_max FROM pod_usage WHERE pod_id = ${pod.id}
          AND resolution = ${ROLLUP_SECONDS} AND at = ${new Date(bucket).toISOString()}::timestamptz`,
    );
    expect(Number(rollup?.memory_bytes)).toBe(300);
    expect(Number(rollup?.memory_bytes_max)).toBe(600);
    // The raw rows of 7 h ago are gone; the recent ones of the running pod are kept.
    const [raw] = await queryRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM pod_usage WHERE pod_id = ${pod.id} AND resolution = ${RAW}
          AND at < ${new Date(now - 6 * hour).toISOString()}::timestamptz`,
    );
    expect(raw?.n).toBe(0);
    expect(await samples(pod.id)).toBeGreaterThan(0);
    // A range older than the raw samples is served from the rollups.
    const old = await cp.api<PodStatsSeries>(
      'GET',
      `/pods/${pod.id}/stats?since=${new Date(bucket - hour).toISOString()}&until=${new Date(bucket + hour).toISOString()}`,
    );
    expect(old.body).toMatchObject({ sourceResolutionSeconds: ROLLUP_SECONDS, stepSeconds: 300 });
    expect(old.body.points).toEqual([
      expect.objectContaining({ at: new Date(bucket).toISOString(), memoryBytes: 300 }),
    ]);
    const events = await cp.api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events?limit=200`);
    expect(events.body.items.map((e) => e.message)).not.toContain('long ago');
  });
});

describe('events', () => {
  it('filter by reason, type and time, and page within the filter', async () => {
    const all = await cp.api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events?limit=200`);
    expect(all.body.items.length).toBeGreaterThan(2);
    const started = await cp.api<{ items: PodEvent[]; nextCursor: string | null }>(
      'GET',
      `/pods/${pod.id}/events?reason=Started,Stopped&limit=1`,
    );
    expect(started.status).toBe(200);
    expect(started.body.items).toHaveLength(1);
    expect(['Started', 'Stopped']).toContain(started.body.items[0]?.reason);
    const next = await cp.api<{ items: PodEvent[] }>(
      'GET',
      `/pods/${pod.id}/events?reason=Started,Stopped&limit=1&cursor=${started.body.nextCursor}`,
    );
    expect(next.body.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(Started|Stopped)$/)]),
    );
    expect(next.body.items[0]?.id).not.toBe(started.body.items[0]?.id);
    const first = all.body.items[all.body.items.length - 1];
    const until = await cp.api<{ items: PodEvent[] }>(
      'GET',
      `/pods/${pod.id}/events?until=${encodeURIComponent(first?.createdAt ?? '')}`,
    );
    expect(until.body.items.every((e) => e.createdAt < (first?.createdAt ?? ''))).toBe(true);
    const bad = await cp.api<{ code: string }>('GET', `/pods/${pod.id}/events?reason=Exploded`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  });
});
