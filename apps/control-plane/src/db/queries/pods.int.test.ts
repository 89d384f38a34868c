import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resyncRowsOf } from '../../reconciler/resync.js';
import { sampleTargetsOf } from '../../stats/collector.js';
import { DATABASE_BACKENDS, openTestDatabase, type TestDatabase } from '../testing.js';
import {
  createPod,
  getPod,
  getPodSecrets,
  listAllPods,
  listPodIdsToReconcile,
  listPods,
  listResyncRows,
  type NewPod,
  requestPodDeletion,
  updatePod,
  writePodStatus,
} from './pods.js';
import { createTenant } from './tenants.js';
import { listPodsToSample } from './usage.js';

describe.each(DATABASE_BACKENDS)('pod queries on %s', (backend) => {
  let t: TestDatabase;
  let tenantId: string;
  const newPod = (over: Partial<NewPod> = {}): NewPod => ({
    tenantId,
    name: 'agent',
    subdomain: 'alice',
    agentType: 'openclaw',
    image: null,
    config: { model: 'anthropic/claude' },
    resources: { memoryMb: 2048, cpus: 1.5, pidsLimit: 512 },
    desiredState: 'running',
    secrets: { apiKey: 'v1:ciphertext' },
    ...over,
  });

  beforeEach(async () => {
    t = await openTestDatabase(backend);
    tenantId = (await createTenant(t.db, { name: 'alice' })).id;
  });
  afterEach(async () => {
    await t.destroy();
  });

  it('creates a pod at generation 1 with a pending status and its secret refs', async () => {
    const pod = await createPod(t.db, newPod());
    expect(pod).toMatchObject({
      tenantId,
      subdomain: 'alice',
      generation: 1,
      secretRefs: ['apiKey'],
      resources: { memoryMb: 2048, cpus: 1.5, pidsLimit: 512 },
      deletedAt: null,
      status: { phase: 'pending', health: 'unknown', observedGeneration: 0, containerId: null },
    });
    expect(await getPod(t.db, pod.id)).toEqual(pod);
    expect(await getPodSecrets(t.db, pod.id)).toEqual({ apiKey: 'v1:ciphertext' });
  });

  it('refuses a taken subdomain and an unknown tenant, writing nothing', async () => {
    await createPod(t.db, newPod());
    await expect(createPod(t.db, newPod({ name: 'other' }))).rejects.toMatchObject({
      code: 'subdomain_taken',
    });
    await expect(
      createPod(t.db, newPod({ subdomain: 'bob', tenantId: 'ten_00000000000000000000' })),
    ).rejects.toMatchObject({ code: 'tenant_not_found' });
    expect((await listPods(t.db, { limit: 10 })).items).toHaveLength(1);
  });

  it('bumps the generation on every write and replaces secrets as asked', async () => {
    const pod = await createPod(t.db, newPod());
    const a = await updatePod(t.db, pod.id, {
      config: { model: 'openai/gpt' },
      desiredState: 'stopped',
    });
    expect(a).toMatchObject({
      generation: 2,
      config: { model: 'openai/gpt' },
      desiredState: 'stopped',
    });
    const b = await updatePod(t.db, pod.id, {
      secrets: { set: { token: 'v1:x' }, unset: ['apiKey'] },
    });
    expect(b.generation).toBe(3);
    expect(b.secretRefs).toEqual(['token']);
    expect(await getPodSecrets(t.db, pod.id)).toEqual({ token: 'v1:x' });
  });

  it('filters by tenant, agent type and phase, and pages with a cursor', async () => {
    const bob = (await createTenant(t.db, { name: 'bob' })).id;
    const p1 = await createPod(t.db, newPod({ subdomain: 'a1' }));
    const p2 = await createPod(t.db, newPod({ subdomain: 'a2', agentType: 'open-webui' }));
    const p3 = await createPod(t.db, newPod({ subdomain: 'b1', tenantId: bob }));
    await writePodStatus(t.db, p2.id, { phase: 'running', health: 'healthy' });

    expect((await listPods(t.db, { limit: 10, tenantId })).items.map((p) => p.id)).toEqual([
      p1.id,
      p2.id,
    ]);
    expect(
      (await listPods(t.db, { limit: 10, agentType: 'open-webui' })).items.map((p) => p.id),
    ).toEqual([p2.id]);
    expect(
      (await listPods(t.db, { limit: 10, phase: 'running' })).items.map((p) => p.status.phase),
    ).toEqual(['running']);

    const page1 = await listPods(t.db, { limit: 2 });
    const page2 = await listPods(t.db, { limit: 2, cursor: page1.nextCursor ?? undefined });
    expect([...page1.items, ...page2.items].map((p) => p.id)).toEqual([p1.id, p2.id, p3.id]);
    expect(page2.nextCursor).toBeNull();
    await expect(listPods(t.db, { limit: 2, cursor: 'garbage' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('keeps a deleted pod as a tombstone that frees its subdomain once deletion finished', async () => {
    const pod = await createPod(t.db, newPod());
    const deleting = await requestPodDeletion(t.db, pod.id, { purge: true });
    expect(deleting.deletedAt).not.toBeNull();
    expect(deleting.generation).toBe(2);
    expect((await listPods(t.db, { limit: 10 })).items).toHaveLength(0);
    expect((await listPods(t.db, { limit: 10, includeDeleted: true })).items).toHaveLength(1);
    expect(await listPodIdsToReconcile(t.db)).toEqual([pod.id]);
    await expect(updatePod(t.db, pod.id, { desiredState: 'stopped' })).rejects.toMatchObject({
      code: 'pod_not_found',
    });

    await writePodStatus(t.db, pod.id, { phase: 'deleted' });
    expect(await listPodIdsToReconcile(t.db)).toEqual([]);
    const again = await createPod(t.db, newPod({ name: 'again' }));
    expect(again.subdomain).toBe('alice');
  });

  it('gives the resync and the stats pass, from pods held in memory, the rows their queries read', async () => {
    // One pod of each kind the filters tell apart.
    const running = await createPod(t.db, newPod({ subdomain: 'running' }));
    await writePodStatus(t.db, running.id, {
      phase: 'running',
      health: 'healthy',
      containerId: 'c-running',
      observedGeneration: 1,
      specHash: 'h1',
    });
    const starting = await createPod(t.db, newPod({ subdomain: 'starting' }));
    await writePodStatus(t.db, starting.id, { phase: 'starting', containerId: 'c-starting' });
    const stopping = await createPod(t.db, newPod({ subdomain: 'stopping' }));
    await writePodStatus(t.db, stopping.id, { phase: 'running', containerId: 'c-stopping' });
    await updatePod(t.db, stopping.id, { desiredState: 'stopped' });
    const pending = await createPod(t.db, newPod({ subdomain: 'pending' }));
    const deleting = await createPod(t.db, newPod({ subdomain: 'deleting' }));
    await writePodStatus(t.db, deleting.id, { phase: 'running', containerId: 'c-deleting' });
    await requestPodDeletion(t.db, deleting.id, { purge: false });
    const gone = await createPod(t.db, newPod({ subdomain: 'gone' }));
    await requestPodDeletion(t.db, gone.id, { purge: true });
    await writePodStatus(t.db, gone.id, { phase: 'deleted' });

    const held = await listAllPods(t.db);
    const byId = <T extends { id: string }>(rows: T[]) =>
      [...rows].sort((a, b) => a.id.localeCompare(b.id));
    const fromMemory = byId(resyncRowsOf(held));
    expect(fromMemory).toEqual(byId(await listResyncRows(t.db)));
    expect(fromMemory.map((r) => r.id).sort()).toEqual(
      [running.id, starting.id, stopping.id, pending.id, deleting.id].sort(),
    );
    expect(fromMemory.find((r) => r.id === deleting.id)?.deleting).toBe(true);

    // Only the running pod that is meant to run, with its container.
    expect(await listPodsToSample(t.db)).toEqual([{ podId: running.id, containerId: 'c-running' }]);
    expect(sampleTargetsOf(held)).toEqual(await listPodsToSample(t.db));
  });
});
