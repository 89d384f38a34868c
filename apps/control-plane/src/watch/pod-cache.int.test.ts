// The pod cache on both databases: it answers what the database holds, follows changes made
// past it (another control plane's writes arrive only as notices), lists pages exactly as the
// database's query does, and loads everything again after notices were lost.
import type { PodWithStatus } from '@agentpod/shared';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPod,
  listPods,
  type NewPod,
  requestPodDeletion,
  updatePod,
  writePodStatus,
} from '../db/queries/pods.js';
import { createTenant, deleteTenant } from '../db/queries/tenants.js';
import { recordUsage } from '../db/queries/usage.js';
import { DATABASE_BACKENDS, openTestDatabase, type TestDatabase } from '../db/testing.js';
import { eventually } from '../runtime/testing.js';
import { WatchFeed } from './feed.js';
import { PodCache } from './pod-cache.js';

describe.each(DATABASE_BACKENDS)('the pod cache on %s', (backend) => {
  let t: TestDatabase;
  let feed: WatchFeed;
  let cache: PodCache;
  const tenants: string[] = [];
  const newPod = (subdomain: string, over: Partial<NewPod> = {}): NewPod => ({
    tenantId: tenants[0] as string,
    name: subdomain,
    subdomain,
    agentType: 'openclaw',
    image: null,
    config: {},
    resources: { memoryMb: 512, cpus: 1, pidsLimit: 256 },
    desiredState: 'running',
    secrets: {},
    ...over,
  });
  const parsed = async (id: string) => JSON.parse((await cache.get(id)).json) as PodWithStatus;

  beforeEach(async () => {
    t = await openTestDatabase(backend);
    tenants.length = 0;
    tenants.push(
      (await createTenant(t.db, { name: 'a' })).id,
      (await createTenant(t.db, { name: 'b' })).id,
    );
    feed = new WatchFeed(t, pino({ level: 'silent' }));
    await feed.start();
    cache = new PodCache(t.db, feed, pino({ level: 'silent' }));
  });
  afterEach(async () => {
    cache.stop();
    await feed.stop();
    await t.destroy();
  });

  it('loads what the database holds, and serves it as the API serializes it', async () => {
    const pod = await createPod(t.db, newPod('alice', { secrets: { apiKey: 'v1:x' } }));
    await cache.start();
    expect(cache.size).toBe(1);
    expect(await parsed(pod.id)).toEqual(pod);
    await expect(cache.get('pod_00000000000000000000')).rejects.toMatchObject({
      code: 'pod_not_found',
    });
  });

  it('follows writes it did not make, from their notices alone', async () => {
    await cache.start();
    // Written straight to the database, as another control plane's reconciler writes.
    const pod = await createPod(t.db, newPod('bob'));
    await eventually('the new pod cached', () => (cache.size === 1 ? true : undefined));
    await writePodStatus(t.db, pod.id, { phase: 'running', health: 'healthy' });
    const seen = await eventually('the status followed', async () => {
      const p = await parsed(pod.id);
      return p.status.phase === 'running' ? p : undefined;
    });
    expect(seen.status.health).toBe('healthy');
  });

  it('follows a stats pass from its own notices (the usage alone), and any other write as the whole pod', async () => {
    await cache.start();
    const pod = await createPod(t.db, newPod('dave'));
    await writePodStatus(t.db, pod.id, { phase: 'running' });
    await cache.refresh(pod.id);
    const kinds: string[] = [];
    const off = feed.subscribe((n) => {
      if ((n.kind === 'pod' || n.kind === 'usage') && n.podId === pod.id) kinds.push(n.kind);
    });
    const usage = {
      at: new Date().toISOString(),
      cpuPercent: 12.5,
      memoryBytes: 1_000,
      memoryLimitBytes: 2_000,
      pids: 3,
      networkRxBytes: 10,
      networkTxBytes: 20,
      blockReadBytes: 0,
      blockWriteBytes: 0,
    };
    const rates = {
      networkRxBytesPerSecond: 0,
      networkTxBytesPerSecond: 0,
      blockReadBytesPerSecond: 0,
      blockWriteBytesPerSecond: 0,
    };
    await recordUsage(t.db, [{ podId: pod.id, usage, rates }]);
    const seen = await eventually('the usage followed', async () => {
      const p = await parsed(pod.id);
      return p.status.usage?.cpuPercent === 12.5 ? p : undefined;
    });
    expect(seen.status).toMatchObject({ phase: 'running', usage });
    expect(kinds).toEqual(['usage']);

    await writePodStatus(t.db, pod.id, { health: 'healthy' });
    const healthy = await eventually('the status followed', async () => {
      const p = await parsed(pod.id);
      return p.status.health === 'healthy' ? p : undefined;
    });
    expect(healthy.status.usage).toEqual(usage);
    expect(kinds).toEqual(['usage', 'pod']);
    off();
  });

  it('after refresh, a write is in the next read', async () => {
    await cache.start();
    const pod = await createPod(t.db, newPod('carol'));
    await cache.refresh(pod.id);
    expect((await parsed(pod.id)).generation).toBe(1);
    for (let i = 2; i <= 6; i++) {
      await updatePod(t.db, pod.id, { name: `carol ${i}` });
      await cache.refresh(pod.id);
      expect(await parsed(pod.id)).toMatchObject({ name: `carol ${i}`, generation: i });
    }
  });

  it('pages and filters exactly as the database query does', async () => {
    await cache.start();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const pod = await createPod(
        t.db,
        newPod(`p${i}`, {
          tenantId: tenants[i % 2] as string,
          agentType: i % 3 ? 'openclaw' : 'open-webui',
        }),
      );
      ids.push(pod.id);
      await cache.refresh(pod.id);
    }
    await writePodStatus(t.db, ids[4] as string, { phase: 'running' });
    await requestPodDeletion(t.db, ids[5] as string, { purge: false });
    for (const id of [ids[4], ids[5]] as string[]) await cache.refresh(id);
    const queries = [
      { limit: 4 },
      { limit: 100 },
      { limit: 2, tenantId: tenants[1] },
      { limit: 3, agentType: 'open-webui' },
      { limit: 5, phase: 'running' as const },
      { limit: 3, includeDeleted: true },
    ];
    for (const query of queries) {
      let cursor: string | undefined;
      do {
        const fromDb = await listPods(t.db, { ...query, cursor });
        const fromCache = await cache.list({ ...query, cursor });
        expect(
          fromCache.items.map((e) => e.pod),
          JSON.stringify(query),
        ).toEqual(fromDb.items);
        expect(fromCache.nextCursor).toBe(fromDb.nextCursor);
        expect(JSON.parse(await cache.listJson({ ...query, cursor }))).toEqual(fromDb);
        cursor = fromDb.nextCursor ?? undefined;
      } while (cursor);
    }
  });

  it('drops a pod whose row went with its tenant, from the notice alone', async () => {
    await cache.start();
    const pod = await createPod(t.db, newPod('erin', { tenantId: tenants[1] as string }));
    // Deleted, then finished: a tombstone, which goes with its tenant.
    await requestPodDeletion(t.db, pod.id, { purge: false });
    await writePodStatus(t.db, pod.id, { phase: 'deleted' });
    await cache.refresh(pod.id);
    expect(cache.size).toBe(1);
    await deleteTenant(t.db, tenants[1] as string);
    await eventually('the pod gone from the cache', () => (cache.size === 0 ? true : undefined));
    await expect(cache.get(pod.id)).rejects.toMatchObject({ code: 'pod_not_found' });
  });

  it('serves an empty fleet after a load that finds none, though nothing was added or dropped', async () => {
    await cache.start();
    const pod = await createPod(t.db, newPod('fay', { tenantId: tenants[1] as string }));
    await cache.refresh(pod.id);
    expect(JSON.parse(await cache.listJson({ limit: 10 })).items).toHaveLength(1);
    const revision = cache.fleetRevision();
    // The pod goes with its tenant while the cache hears nothing; the load after finds no pods.
    cache.stop();
    await requestPodDeletion(t.db, pod.id, { purge: false });
    await writePodStatus(t.db, pod.id, { phase: 'deleted' });
    await deleteTenant(t.db, tenants[1] as string);
    await cache.start();
    expect(cache.size).toBe(0);
    expect(JSON.parse(await cache.listJson({ limit: 10 })).items).toEqual([]);
    expect(cache.fleetRevision()).not.toBe(revision);
  });

  it('loads everything again when notices may have been lost', async () => {
    await cache.start();
    const pod = await createPod(t.db, newPod('dave'));
    await cache.refresh(pod.id);
    // Stop listening, change the pod unseen, then tell the cache what the feed tells it after
    // its connection came back.
    cache.stop();
    await updatePod(t.db, pod.id, { name: 'changed unseen' });
    await cache.start();
    expect((await parsed(pod.id)).name).toBe('changed unseen');
  });
});
