import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS, openTestDatabase, type TestDatabase } from '../testing.js';
import { listEvents, recordEvent } from './events.js';
import { createPod } from './pods.js';
import { createTenant } from './tenants.js';
import {
  countActiveApiTokens,
  createApiToken,
  hashToken,
  listApiTokens,
  revokeApiToken,
  verifyApiToken,
} from './tokens.js';

describe.each(DATABASE_BACKENDS)('events and API tokens on %s', (backend) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(backend);
  });
  afterEach(async () => {
    await t.destroy();
  });

  it('lists a pod’s events newest first, paging into the past', async () => {
    const tenant = await createTenant(t.db, { name: 'alice' });
    const pod = await createPod(t.db, {
      tenantId: tenant.id,
      name: 'agent',
      subdomain: 'alice',
      agentType: 'openclaw',
      image: null,
      config: {},
      resources: { memoryMb: 512, cpus: 1, pidsLimit: 100 },
      desiredState: 'running',
      secrets: {},
    });
    const reasons = ['Created', 'Started', 'HealthCheckFailed', 'Restarted'] as const;
    for (const reason of reasons)
      await recordEvent(t.db, { podId: pod.id, reason, message: reason.toLowerCase() });
    const first = await listEvents(t.db, pod.id, { limit: 3 });
    const second = await listEvents(t.db, pod.id, {
      limit: 3,
      cursor: first.nextCursor ?? undefined,
    });
    const all = [...first.items, ...second.items];
    expect(all).toHaveLength(4);
    expect(new Set(all.map((e) => e.reason))).toEqual(new Set(reasons));
    const times = all.map((e) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(second.nextCursor).toBeNull();
  });

  it('stores only a hash of each token, verifies it and honours revocation', async () => {
    const { token, record } = await createApiToken(t.db, 'admin');
    expect(token).toMatch(/^ap_[A-Za-z0-9_-]{43}$/);
    const stored = await t.db.query.apiTokens.findFirst();
    expect(stored?.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    const verified = await verifyApiToken(t.db, token);
    expect(verified).toMatchObject({ id: record.id, expiresAt: null });
    expect((await listApiTokens(t.db))[0]?.lastUsedAt).not.toBeNull();
    expect(await verifyApiToken(t.db, `${token.slice(0, -1)}x`)).toBeNull();
    expect(await verifyApiToken(t.db, 'Bearer nonsense')).toBeNull();

    expect(await countActiveApiTokens(t.db)).toBe(1);
    await revokeApiToken(t.db, record.id);
    expect(await verifyApiToken(t.db, token)).toBeNull();
    expect(await countActiveApiTokens(t.db)).toBe(0);
    await expect(revokeApiToken(t.db, 'tok_00000000000000000000')).rejects.toMatchObject({
      code: 'token_not_found',
    });
  });
});
