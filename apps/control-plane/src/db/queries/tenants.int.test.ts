import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS, openTestDatabase, type TestDatabase } from '../testing.js';
import { createPod, requestPodDeletion, writePodStatus } from './pods.js';
import { createTenant, deleteTenant, getTenant, listTenants, updateTenant } from './tenants.js';

const resources = { memoryMb: 512, cpus: 1, pidsLimit: 256 };

describe.each(DATABASE_BACKENDS)('tenant queries on %s', (backend) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(backend);
  });
  afterEach(async () => {
    await t.destroy();
  });

  it('creates, reads, updates and lists tenants in creation order with a cursor', async () => {
    const a = await createTenant(t.db, { name: 'alice', displayName: 'Alice Ltd' });
    const b = await createTenant(t.db, { name: 'bob' });
    const c = await createTenant(t.db, { name: 'carol' });
    expect(a.id).toMatch(/^ten_[0-9a-z]{20}$/);
    expect(b.displayName).toBe('bob');
    expect(await getTenant(t.db, a.id)).toEqual(a);

    const updated = await updateTenant(t.db, a.id, { displayName: 'Alice GmbH' });
    expect(updated.displayName).toBe('Alice GmbH');
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(a.updatedAt));

    const first = await listTenants(t.db, { limit: 2 });
    expect(first.items.map((x) => x.name)).toEqual(['alice', 'bob']);
    expect(first.nextCursor).not.toBeNull();
    const second = await listTenants(t.db, { limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((x) => x.id)).toEqual([c.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a duplicate name and an unknown id with typed errors', async () => {
    await createTenant(t.db, { name: 'alice' });
    await expect(createTenant(t.db, { name: 'alice' })).rejects.toMatchObject({
      code: 'tenant_name_taken',
    });
    await expect(getTenant(t.db, 'ten_00000000000000000000')).rejects.toMatchObject({
      code: 'tenant_not_found',
    });
    expect((await listTenants(t.db, { limit: 10 })).items).toHaveLength(1);
  });

  it('refuses to delete a tenant with live pods, and deletes it once they are gone', async () => {
    const tenant = await createTenant(t.db, { name: 'alice' });
    const pod = await createPod(t.db, {
      tenantId: tenant.id,
      name: 'agent',
      subdomain: 'alice',
      agentType: 'openclaw',
      image: null,
      config: {},
      resources,
      desiredState: 'running',
      secrets: {},
    });
    await expect(deleteTenant(t.db, tenant.id)).rejects.toMatchObject({ code: 'tenant_has_pods' });
    expect((await getTenant(t.db, tenant.id)).id).toBe(tenant.id);

    await requestPodDeletion(t.db, pod.id, { purge: false });
    // Deletion requested but not finished by the reconciler: still refused.
    await expect(deleteTenant(t.db, tenant.id)).rejects.toMatchObject({ code: 'tenant_has_pods' });

    await writePodStatus(t.db, pod.id, { phase: 'deleted' });
    await deleteTenant(t.db, tenant.id);
    await expect(getTenant(t.db, tenant.id)).rejects.toMatchObject({ code: 'tenant_not_found' });
  });
});
