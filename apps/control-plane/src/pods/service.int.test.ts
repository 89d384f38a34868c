// The pod service's contract for what adapters declare: secrets revealed once on create, and
// settings the agent keeps after its first start refused on update. On the embedded database:
// this is the service's logic, the repositories have their own tests on both backends.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../adapters/index.js';
import { getPod, getPodSecrets } from '../db/queries/pods.js';
import { createTenant } from '../db/queries/tenants.js';
import { openTestDatabase, type TestDatabase } from '../db/testing.js';
import { ConflictError } from '../errors.js';
import { SecretBox } from '../secrets/secret-box.js';
import { PodService } from './service.js';

let db: TestDatabase;
let pods: PodService;
let tenantId: string;
const box = SecretBox.fromKey(randomBytes(32));

beforeAll(async () => {
  db = await openTestDatabase('pglite');
  pods = new PodService({
    db: db.db,
    adapters: new AdapterRegistry(),
    secrets: box,
    notify: () => {},
  });
  tenantId = (await createTenant(db.db, { name: 'alice' })).id;
});

afterAll(async () => {
  await db?.destroy();
});

const create = (subdomain: string, agentType: string, extra: object = {}) =>
  pods.create({
    tenantId,
    subdomain,
    agentType,
    config: {},
    secrets: {},
    desiredState: 'stopped',
    ...extra,
  });

describe('secrets revealed on create', () => {
  it("answers an Open WebUI pod's create with its generated admin password, once", async () => {
    const created = await create('webui', 'open-webui');
    expect(Object.keys(created.revealedSecrets)).toEqual(['adminPassword']);
    const password = created.revealedSecrets.adminPassword ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The stored (encrypted) secret is that password; the pod as read back has names only.
    expect(
      box.decryptPodSecrets(created.id, await getPodSecrets(db.db, created.id)).adminPassword,
    ).toBe(password);
    const read = await getPod(db.db, created.id);
    expect(read).not.toHaveProperty('revealedSecrets');
    expect(JSON.stringify(read)).not.toContain(password);
    expect(read.secretRefs).toEqual(expect.arrayContaining(['adminPassword', 'secretKey']));
  });

  it('reveals nothing for an adapter that declares no revealed secrets', async () => {
    const created = await create('claw', 'openclaw');
    expect(created.revealedSecrets).toEqual({});
  });
});

describe('settings seeded at first start', () => {
  it('refuses a change of a seeded field and of a seeded secret, naming where to change them', async () => {
    const pod = await create('seeded', 'open-webui', {
      config: { openaiBaseUrls: ['https://api.openai.com/v1'] },
      secrets: { openaiApiKeys: 'sk-1' },
    });
    const refused = pods.update(pod.id, {
      config: { defaultUserRole: 'user', adminName: 'Ops' },
      secrets: { openaiApiKeys: 'sk-2' },
    });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({
      code: 'seeded_at_first_start',
      message: expect.stringMatching(
        /config\.defaultUserRole, config\.adminName, secrets\.openaiApiKeys.*Admin Panel/,
      ),
    });
    // A refused request changes nothing.
    expect((await getPod(db.db, pod.id)).generation).toBe(1);
  });

  it('accepts writes that leave seeded fields as they are', async () => {
    const pod = await create('unseeded', 'open-webui');
    const updated = await pods.update(pod.id, {
      // The same values again (after defaults), and a variable read on every start.
      config: { defaultUserRole: 'pending', extraEnv: { TZ: 'Europe/Berlin' } },
    });
    expect(updated.generation).toBe(2);
    expect(updated.config).toMatchObject({ extraEnv: { TZ: 'Europe/Berlin' } });
  });

  it('leaves adapters without seeded settings alone', async () => {
    const pod = await create('claw-update', 'openclaw');
    const updated = await pods.update(pod.id, { config: { provider: 'openai' } });
    expect(updated.config).toMatchObject({ provider: 'openai' });
  });
});
