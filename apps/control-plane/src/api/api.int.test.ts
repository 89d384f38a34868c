// The REST API on the real control plane: startServer on embedded PGlite, the real Docker
// daemon and the running reconciler, driven over HTTP with fetch. Pods are created stopped, so
// the reconciler gives them a subnet and a status but starts no agent.
//
// One file (over the usual size) because every case shares one server, whose start is the
// slow part. Every refused write also checks that nothing was written.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PodEvent, PodWithStatus, Tenant } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { recordEvent } from '../db/queries/events.js';
import { createApiToken, revokeApiToken } from '../db/queries/tokens.js';
import { podSecrets, pods as podsTable, tenants as tenantsTable } from '../db/schema.js';
import { createLogger } from '../logger.js';
import { schemaValidator } from '../routing/testing.js';
import {
  type DockerHost,
  LABEL_INSTALLATION,
  LABEL_POD_ID,
  listContainers,
} from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { type RunningServer, startServer } from '../server.js';
import { BODY_LIMIT_BYTES } from './app.js';
import { TOKEN_CACHE_TTL_MS } from './token-cache.js';

const BASE_DOMAIN = 'agents.test';
const PROXY_TOKEN = randomBytes(16).toString('hex');
/** The provider key set on pods: it must never come back in any response. */
const PROVIDER_KEY = `sk-test-${randomBytes(12).toString('hex')}`;
const UNKNOWN_POD = `pod_${'0'.repeat(20)}`;
const UNKNOWN_TENANT = `ten_${'0'.repeat(20)}`;

let server: RunningServer;
let adminToken: string;
let dataDir: string;
let docker: DockerHost;
const podIds = new Set<string>();
/** Every response body, searched for secret values at the end. */
const responses: string[] = [];

beforeAll(async () => {
  docker = testHost();
  dataDir = await mkdtemp(join(tmpdir(), 'agentpod-api-'));
  const lines: string[] = [];
  server = await startServer(
    loadConfig({
      AGENTPOD_PROXY: 'none',
      AGENTPOD_NETWORK_POLICY: 'off',
      AGENTPOD_DATA_DIR: dataDir,
      AGENTPOD_PORT: '0',
      AGENTPOD_BASE_DOMAIN: BASE_DOMAIN,
      AGENTPOD_PROXY_TOKEN: PROXY_TOKEN,
      AGENTPOD_POD_SUBNET_POOL: '10.215.0.0/16',
      // Other test files' labelled objects come and go while this runs: never sweep them.
      AGENTPOD_SWEEP_DRY_RUN: 'true',
      AGENTPOD_IMAGE_OPENCLAW: testImage('OPENCLAW'),
    }),
    createLogger('silent'),
    { announce: (line) => lines.push(line) },
  );
  const token = lines.join('\n').match(/shown only this once: (ap_[\w-]+)/)?.[1];
  if (!token) throw new Error(`no admin token was announced: ${lines.join('\n')}`);
  adminToken = token;
});

afterAll(async () => {
  await server?.close();
  for (const podId of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: podId });
  // The installation's pod network, made with its first pod.
  if (server) {
    await removeTestObjects(docker, { [LABEL_INSTALLATION]: server.context.installationId });
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Reply<T> {
  status: number;
  contentType: string;
  text: string;
  body: T;
}

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

interface CallOptions {
  body?: unknown;
  /** Sent as is, instead of `body` as JSON. */
  raw?: string;
  contentType?: string;
  /** null sends no authorization header. */
  token?: string | null;
}

async function call<T = unknown>(
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply<T>> {
  const token = opts.token === undefined ? adminToken : opts.token;
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  responses.push(text);
  const contentType = res.headers.get('content-type') ?? '';
  const body = (contentType.includes('json') && text ? JSON.parse(text) : text) as T;
  return { status: res.status, contentType, text, body };
}

const api = <T = unknown>(method: string, path: string, opts?: CallOptions) =>
  call<T>(method, `/api/v1${path}`, opts);

function expectProblem(reply: Reply<unknown>, status: number, code: string): ProblemBody {
  expect({ status: reply.status, text: reply.text }).toMatchObject({ status });
  expect(reply.contentType).toMatch(/^application\/problem\+json/);
  const problem = reply.body as ProblemBody;
  expect(problem).toMatchObject({ status, code, type: expect.stringContaining(code) });
  expect(problem.title).toEqual(expect.any(String));
  expect(problem.detail).toEqual(expect.any(String));
  return problem;
}

/** The distinct `path`s of a validation problem's errors (one field may break several rules). */
function errorPaths(problem: ProblemBody): string[] {
  return [...new Set((problem.errors ?? []).map((e) => e.path))];
}

async function rowCounts() {
  const db = server.context.db.db;
  const [tenants, pods, secrets] = await Promise.all([
    db.select({ id: tenantsTable.id }).from(tenantsTable),
    db.select({ id: podsTable.id, generation: podsTable.generation }).from(podsTable),
    db.select({ podId: podSecrets.podId, name: podSecrets.name }).from(podSecrets),
  ]);
  return { tenants, pods, secrets };
}

/** Desired state only: the reconciler may update `status` at any time. */
/** The desired state alone: no status, and not the secrets a create reveals once. */
function desired(
  pod: PodWithStatus & { revealedSecrets?: unknown },
): Omit<PodWithStatus, 'status'> {
  const { status: _status, revealedSecrets: _revealed, ...rest } = pod;
  return rest;
}

async function getPod(id: string): Promise<PodWithStatus> {
  const reply = await api<PodWithStatus>('GET', `/pods/${id}`);
  expect(reply.status).toBe(200);
  return reply.body;
}

async function newTenant(name: string): Promise<Tenant> {
  const reply = await api<Tenant>('POST', '/tenants', { body: { name } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

async function newPod(tenantId: string, fields: Record<string, unknown>): Promise<PodWithStatus> {
  const reply = await api<PodWithStatus>('POST', '/pods', {
    body: { tenantId, desiredState: 'stopped', ...fields },
  });
  expect(reply.status, reply.text).toBe(201);
  podIds.add(reply.body.id);
  return reply.body;
}

/** Walks a list endpoint one item per page, following nextCursor. */
async function walk<T extends { id: string }>(path: string): Promise<T[]> {
  const seen: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  for (let page = 0; page < 100; page++) {
    const query: string = `${sep}limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const reply: Reply<{ items: T[]; nextCursor: string | null }> = await api(
      'GET',
      `${path}${query}`,
    );
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(1);
    seen.push(...reply.body.items);
    cursor = reply.body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error(`${path}: more than 100 pages; the cursor does not advance`);
}

async function listIds(path: string): Promise<string[]> {
  const reply = await api<{ items: { id: string }[] }>('GET', path);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.items.map((i) => i.id);
}

describe('auth and the unauthenticated endpoints', () => {
  it('refuses a request without a token, with a wrong one and with a revoked one', async () => {
    expectProblem(await api('GET', '/tenants', { token: null }), 401, 'unauthorized');
    expectProblem(await api('GET', '/tenants', { token: 'nope' }), 401, 'unauthorized');
    const forged = `ap_${randomBytes(32).toString('base64url')}`;
    expectProblem(await api('GET', '/tenants', { token: forged }), 401, 'unauthorized');
    expectProblem(await api('GET', '/tenants', { token: PROXY_TOKEN }), 401, 'unauthorized');

    // Revoked through the API: refused from the next request on.
    const { token, record } = await createApiToken(server.context.db.db, 'short-lived');
    expect((await api('GET', '/tenants', { token })).status).toBe(200);
    expect((await api('DELETE', `/tokens/${record.id}`)).status).toBe(204);
    expectProblem(await api('GET', '/tenants', { token }), 401, 'unauthorized');

    // Revoked past this process (another control plane, the database): verified tokens are
    // kept TOKEN_CACHE_TTL_MS, so it is refused within that.
    const other = await createApiToken(server.context.db.db, 'revoked elsewhere');
    expect((await api('GET', '/tenants', { token: other.token })).status).toBe(200);
    await revokeApiToken(server.context.db.db, other.record.id);
    const refused = await eventually(
      'the token revoked in the database to be refused',
      async () => {
        const reply = await api('GET', '/tenants', { token: other.token });
        return reply.status === 200 ? undefined : reply;
      },
      { timeoutMs: TOKEN_CACHE_TTL_MS + 5_000 },
    );
    expectProblem(refused, 401, 'unauthorized');
  });

  it('refuses an unauthenticated write before touching anything', async () => {
    const before = await rowCounts();
    const reply = await api('POST', '/tenants', { token: null, body: { name: 'sneaky' } });
    expectProblem(reply, 401, 'unauthorized');
    expect(await rowCounts()).toEqual(before);
  });

  it('serves the health endpoints without a token', async () => {
    const healthz = await call('GET', '/healthz', { token: null });
    expect(healthz).toMatchObject({ status: 200, body: { ok: true } });
    const readyz = await call('GET', '/readyz', { token: null });
    expect(readyz).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('serves an OpenAPI 3.1 document and the docs page without a token', async () => {
    const spec = await api<{ openapi: string; paths: Record<string, unknown> }>(
      'GET',
      '/openapi.json',
      { token: null },
    );
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/tenants',
        '/api/v1/tenants/{id}',
        '/api/v1/pods',
        '/api/v1/pods/{id}',
        '/api/v1/pods/{id}/events',
      ]),
    );

    const docs = await api('GET', '/docs', { token: null });
    expect(docs.status).toBe(200);
    expect(docs.contentType).toMatch(/^text\/html/);
    expect(docs.text).toMatch(/swagger/i);
  });

  it('serves the Traefik config for the proxy token only', async () => {
    expectProblem(await api('GET', '/proxy/traefik', { token: null }), 401, 'unauthorized');
    expectProblem(await api('GET', '/proxy/traefik'), 401, 'unauthorized');
    const reply = await api<{ http: { routers: object; services: object } }>(
      'GET',
      '/proxy/traefik',
      { token: PROXY_TOKEN },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.http).toEqual({ routers: expect.any(Object), services: expect.any(Object) });
    schemaValidator('traefik-v3-dynamic.schema.json')(reply.body);
  });
});

describe('tenants', () => {
  it('creates a tenant, and refuses a duplicate name without writing', async () => {
    const created = await api<Tenant>('POST', '/tenants', {
      body: { name: 'acme', displayName: 'Acme Inc.' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'acme', displayName: 'Acme Inc.' });
    expect(created.body.id).toMatch(/^ten_[0-9a-z]{20}$/);
    expect(await api('GET', `/tenants/${created.body.id}`)).toMatchObject({
      status: 200,
      body: created.body,
    });
    const plain = await newTenant('plain');
    expect(plain.displayName).toBe('plain');

    const before = await rowCounts();
    const dup = await api('POST', '/tenants', { body: { name: 'acme', displayName: 'Other' } });
    expectProblem(dup, 409, 'tenant_name_taken');
    expect(await rowCounts()).toEqual(before);
    expect((await api<Tenant>('GET', `/tenants/${created.body.id}`)).body.displayName).toBe(
      'Acme Inc.',
    );
  });

  it('refuses invalid bodies with validation_failed naming the field, writing nothing', async () => {
    const before = await rowCounts();
    for (const name of ['Acme', '-acme', 'acme-', 'a_b', 'a.b', '', 'x'.repeat(64)]) {
      const problem = expectProblem(
        await api('POST', '/tenants', { body: { name } }),
        400,
        'validation_failed',
      );
      expect(errorPaths(problem), name).toEqual(['name']);
    }
    const unknownField = expectProblem(
      await api('POST', '/tenants', { body: { name: 'fine', colour: 'red' } }),
      400,
      'validation_failed',
    );
    expect(errorPaths(unknownField)).toEqual(['colour']);
    const wrongType = expectProblem(
      await api('POST', '/tenants', { body: { name: 42 } }),
      400,
      'validation_failed',
    );
    expect(errorPaths(wrongType)).toEqual(['name']);
    const wrongDisplay = expectProblem(
      await api('POST', '/tenants', { body: { name: 'fine', displayName: 7 } }),
      400,
      'validation_failed',
    );
    expect(errorPaths(wrongDisplay)).toEqual(['displayName']);
    const missing = expectProblem(
      await api('POST', '/tenants', { body: {} }),
      400,
      'validation_failed',
    );
    expect(errorPaths(missing)).toEqual(['name']);
    expectProblem(await api('POST', '/tenants', { body: [] }), 400, 'validation_failed');
    expectProblem(await api('POST', '/tenants'), 400, 'validation_failed');
    expect(await rowCounts()).toEqual(before);
  });

  it('lists every tenant once when walking one per page', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await newTenant(name);
    const all = await listIds('/tenants?limit=200');
    expect(all.length).toBeGreaterThanOrEqual(5);
    const walked = await walk<Tenant>('/tenants');
    expect(walked.map((t) => t.id)).toEqual(all);

    const page = await api<{ items: Tenant[]; nextCursor: string | null }>('GET', '/tenants');
    expect(page.body.nextCursor).toBeNull();
    expectProblem(await api('GET', '/tenants?limit=0'), 400, 'validation_failed');
    expectProblem(await api('GET', '/tenants?limit=201'), 400, 'validation_failed');
    expectProblem(await api('GET', '/tenants?limit=ten'), 400, 'validation_failed');
    expectProblem(await api('GET', '/tenants?cursor=garbage'), 400, 'validation_failed');
    expectProblem(await api('GET', '/tenants?colour=red'), 400, 'validation_failed');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectProblem(await api('GET', `/tenants/${UNKNOWN_TENANT}`), 404, 'tenant_not_found');
    expectProblem(
      await api('PATCH', `/tenants/${UNKNOWN_TENANT}`, { body: { displayName: 'x' } }),
      404,
      'tenant_not_found',
    );
    expectProblem(await api('DELETE', `/tenants/${UNKNOWN_TENANT}`), 404, 'tenant_not_found');
    // A malformed id is a bad request, not a missing tenant: the client sent something that can
    // never name one (a pod id, a typo, a name instead of an id).
    for (const bad of ['acme', `pod_${'0'.repeat(20)}`, 'ten_UPPERCASE0000000000']) {
      const problem = expectProblem(await api('GET', `/tenants/${bad}`), 400, 'validation_failed');
      expect(errorPaths(problem)).toEqual(['id']);
    }
  });

  it('updates the display name, and refuses a rename or an empty patch', async () => {
    const tenant = await newTenant('patchme');
    const reply = await api<Tenant>('PATCH', `/tenants/${tenant.id}`, {
      body: { displayName: 'Patched' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: tenant.id, name: 'patchme', displayName: 'Patched' });
    expect(reply.body.updatedAt >= tenant.updatedAt).toBe(true);

    const after = (await api<Tenant>('GET', `/tenants/${tenant.id}`)).body;
    for (const body of [{ name: 'renamed' }, {}, { displayName: '' }, { displayName: 1 }]) {
      const refused = await api('PATCH', `/tenants/${tenant.id}`, { body });
      expectProblem(refused, 400, 'validation_failed');
    }
    expect((await api<Tenant>('GET', `/tenants/${tenant.id}`)).body).toEqual(after);
  });

  it('refuses to delete a tenant with pods, and deletes one without', async () => {
    const tenant = await newTenant('busy');
    const pod = await newPod(tenant.id, { subdomain: 'busy' });
    expectProblem(await api('DELETE', `/tenants/${tenant.id}`), 409, 'tenant_has_pods');
    expect((await api('GET', `/tenants/${tenant.id}`)).status).toBe(200);
    expect((await api('GET', `/pods/${pod.id}`)).status).toBe(200);

    // Allowed once the pod's deletion has finished: its tombstone goes with the tenant.
    expect((await api('DELETE', `/pods/${pod.id}`)).status).toBe(202);
    await eventually('the pod deletion to finish', async () => {
      const p = await getPod(pod.id);
      return p.status.phase === 'deleted' ? p : undefined;
    });
    const gone = await api('DELETE', `/tenants/${tenant.id}`);
    expect(gone.status).toBe(204);
    expect(gone.text).toBe('');
    expectProblem(await api('GET', `/tenants/${tenant.id}`), 404, 'tenant_not_found');
    expectProblem(await api('GET', `/pods/${pod.id}`), 404, 'pod_not_found');

    const empty = await newTenant('empty');
    expect((await api('DELETE', `/tenants/${empty.id}`)).status).toBe(204);
    expectProblem(await api('DELETE', `/tenants/${empty.id}`), 404, 'tenant_not_found');
    expect(await listIds('/tenants?limit=200')).not.toContain(empty.id);
  });
});

describe('pods', () => {
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    tenant = await newTenant('pods-main');
    other = await newTenant('pods-other');
  });

  it('creates a stopped pod at generation 1, pending, with secret names but no values', async () => {
    const reply = await api<PodWithStatus>('POST', '/pods', {
      body: {
        tenantId: tenant.id,
        subdomain: 'alpha',
        desiredState: 'stopped',
        config: { provider: 'openai' },
        secrets: { providerApiKey: PROVIDER_KEY },
      },
    });
    expect(reply.status, reply.text).toBe(201);
    podIds.add(reply.body.id);
    expect(reply.body).toMatchObject({
      tenantId: tenant.id,
      name: 'alpha',
      subdomain: 'alpha',
      agentType: 'openclaw',
      image: null,
      config: { provider: 'openai', extraEnv: {} },
      secretRefs: ['gatewayToken', 'providerApiKey'],
      desiredState: 'stopped',
      generation: 1,
      deletedAt: null,
      restartRequestedAt: null,
      status: { phase: 'pending', observedGeneration: 0, containerId: null },
    });
    expect(reply.body.id).toMatch(/^pod_[0-9a-z]{20}$/);
    expect(reply.text).not.toContain(PROVIDER_KEY);

    // The reconciler makes nothing for a stopped pod: it only observes and records it.
    const seen = await eventually('the reconciler to observe the pod', async () => {
      const p = await getPod(reply.body.id);
      return p.status.observedGeneration === 1 ? p : undefined;
    });
    expect(seen.status).toMatchObject({ phase: 'stopped', containerId: null });
    expect(await listContainers(docker, { [LABEL_POD_ID]: reply.body.id })).toEqual([]);
  });

  it('refuses malformed pod bodies, writing nothing', async () => {
    const base = { tenantId: tenant.id, subdomain: 'refused', desiredState: 'stopped' };
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['unknown field', { ...base, colour: 'red' }, ['colour']],
      ['subdomain type', { ...base, subdomain: 5 }, ['subdomain']],
      ['config type', { ...base, config: 'anthropic' }, ['config']],
      ['secret type', { ...base, secrets: { providerApiKey: 5 } }, ['secrets.providerApiKey']],
      ['empty secret', { ...base, secrets: { providerApiKey: '' } }, ['secrets.providerApiKey']],
      ['desiredState', { ...base, desiredState: 'paused' }, ['desiredState']],
      ['resources type', { ...base, resources: { memoryMb: 'lots' } }, ['resources.memoryMb']],
      ['resources range', { ...base, resources: { memoryMb: 1 } }, ['resources.memoryMb']],
      ['resources field', { ...base, resources: { gpus: 1 } }, ['resources.gpus']],
      ['image', { ...base, image: 'not an image' }, ['image']],
      ['tenantId', { ...base, tenantId: 'acme' }, ['tenantId']],
      ['missing subdomain', { tenantId: tenant.id }, ['subdomain']],
      ['unknown agentType', { ...base, agentType: 'hermes' }, ['agentType']],
      ['unknown config key', { ...base, config: { colour: 'red' } }, ['config.colour']],
      ['bad provider', { ...base, config: { provider: 'nope' } }, ['config.provider']],
      [
        'model of another provider',
        { ...base, config: { provider: 'openai', model: 'anthropic/claude' } },
        ['config.model'],
      ],
      [
        'reserved env',
        { ...base, config: { extraEnv: { OPENAI_API_KEY: PROVIDER_KEY } } },
        ['config.extraEnv.OPENAI_API_KEY'],
      ],
      ['unknown secret', { ...base, secrets: { openaiKey: PROVIDER_KEY } }, ['secrets.openaiKey']],
      [
        'generated secret',
        { ...base, secrets: { gatewayToken: PROVIDER_KEY } },
        ['secrets.gatewayToken'],
      ],
    ];
    const before = await rowCounts();
    for (const [what, body, paths] of cases) {
      const reply = await api('POST', '/pods', { body });
      const problem = expectProblem(reply, 400, 'validation_failed');
      expect(errorPaths(problem), what).toEqual(paths);
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses reserved and invalid subdomains, writing nothing', async () => {
    const before = await rowCounts();
    const bad = ['api', 'www', 'admin', 'Bad_Name', '-x', 'x-', 'x'.repeat(64), '', 'xn--p1ai'];
    for (const subdomain of bad) {
      const reply = await api('POST', '/pods', {
        body: { tenantId: tenant.id, subdomain, desiredState: 'stopped' },
      });
      const problem = expectProblem(reply, 400, 'validation_failed');
      expect(errorPaths(problem), subdomain).toEqual(['subdomain']);
    }
    expect(await rowCounts()).toEqual(before);
    // The longest DNS label is fine.
    await newPod(tenant.id, { subdomain: 'y'.repeat(63) });
  });

  it('refuses a taken subdomain and an unknown tenant, writing nothing', async () => {
    await newPod(tenant.id, { subdomain: 'taken' });
    const before = await rowCounts();
    const body = { subdomain: 'taken', desiredState: 'stopped' };
    const dup = await api('POST', '/pods', {
      body: { ...body, tenantId: other.id, secrets: { providerApiKey: PROVIDER_KEY } },
    });
    expectProblem(dup, 409, 'subdomain_taken');
    const orphan = await api('POST', '/pods', {
      body: { ...body, subdomain: 'orphan', tenantId: UNKNOWN_TENANT },
    });
    expectProblem(orphan, 404, 'tenant_not_found');
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses oversized, malformed and non-JSON bodies, writing nothing', async () => {
    const pod = await newPod(tenant.id, { subdomain: 'bodies' });
    const before = await rowCounts();
    const big = {
      tenantId: tenant.id,
      subdomain: 'big',
      config: { x: 'a'.repeat(BODY_LIMIT_BYTES) },
    };
    expectProblem(await api('POST', '/pods', { body: big }), 413, 'body_too_large');
    expectProblem(
      await api('PATCH', `/pods/${pod.id}`, { body: { name: 'n'.repeat(BODY_LIMIT_BYTES) } }),
      413,
      'body_too_large',
    );
    expectProblem(
      await api('POST', '/pods', { raw: `{"tenantId":"${tenant.id}",` }),
      400,
      'invalid_json_body',
    );
    // An empty JSON body is no body: refused by routes that need one, accepted by actions.
    expectProblem(await api('POST', '/pods', { raw: '' }), 400, 'validation_failed');
    const json = JSON.stringify({
      tenantId: tenant.id,
      subdomain: 'typed',
      desiredState: 'stopped',
    });
    for (const contentType of [
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
    ]) {
      const reply = await api('POST', '/pods', { raw: json, contentType });
      expectProblem(reply, 415, 'invalid_media_type');
    }
    expect(await rowCounts()).toEqual(before);
    expect(desired(await getPod(pod.id))).toEqual(desired(pod));
  });

  it('answers 400 for a malformed pod id and 404 for an unknown one', async () => {
    for (const path of ['', '/events', '/logs', '/devices']) {
      const problem = expectProblem(
        await api('GET', `/pods/not-a-pod${path}`),
        400,
        'validation_failed',
      );
      expect(errorPaths(problem)).toEqual(['id']);
      expectProblem(await api('GET', `/pods/${UNKNOWN_POD}${path}`), 404, 'pod_not_found');
    }
    for (const action of ['start', 'stop', 'restart', 'access-link']) {
      expectProblem(await api('POST', `/pods/${UNKNOWN_POD}/${action}`), 404, 'pod_not_found');
      expectProblem(await api('POST', `/pods/${tenant.id}/${action}`), 400, 'validation_failed');
    }
    expectProblem(
      await api('PATCH', `/pods/${UNKNOWN_POD}`, { body: { name: 'x' } }),
      404,
      'pod_not_found',
    );
    expectProblem(await api('DELETE', `/pods/${UNKNOWN_POD}`), 404, 'pod_not_found');
  });

  it('filters the list by tenant, agent type and phase, and pages through it', async () => {
    const a = await newPod(other.id, { subdomain: 'list-a' });
    const b = await newPod(other.id, { subdomain: 'list-b' });
    const c = await newPod(other.id, { subdomain: 'list-c' });
    const mine = [a.id, b.id, c.id];

    expect(await listIds(`/pods?tenantId=${other.id}`)).toEqual(mine);
    expect(await listIds(`/pods?tenantId=${UNKNOWN_TENANT}`)).toEqual([]);
    expect(await listIds(`/pods?tenantId=${other.id}&agentType=openclaw`)).toEqual(mine);
    expect(await listIds(`/pods?tenantId=${other.id}&agentType=open-webui`)).toEqual([]);
    const walked = await walk<PodWithStatus>(`/pods?tenantId=${other.id}`);
    expect(walked.map((p) => p.id)).toEqual(mine);
    expect(walked.every((p) => p.tenantId === other.id)).toBe(true);
    const all = await listIds('/pods?limit=200');
    expect((await walk<PodWithStatus>('/pods')).map((p) => p.id)).toEqual(all);
    expect(all).toEqual(expect.arrayContaining(mine));

    for (const id of mine) {
      await eventually(`pod ${id} to be observed stopped`, async () =>
        (await getPod(id)).status.phase === 'stopped' ? true : undefined,
      );
    }
    expect(await listIds(`/pods?tenantId=${other.id}&phase=stopped`)).toEqual(mine);
    expect(await listIds(`/pods?tenantId=${other.id}&phase=running`)).toEqual([]);
    expect(await listIds(`/pods?tenantId=${other.id}&phase=pending`)).toEqual([]);

    expectProblem(await api('GET', '/pods?phase=asleep'), 400, 'validation_failed');
    expectProblem(await api('GET', '/pods?tenantId=acme'), 400, 'validation_failed');
    expectProblem(await api('GET', '/pods?cursor=%%%'), 400, 'validation_failed');
    expectProblem(await api('GET', '/pods?limit=-1'), 400, 'validation_failed');
  });

  it('patches: bumps the generation, merges config, sets and unsets secrets', async () => {
    const pod = await newPod(tenant.id, {
      subdomain: 'patchy',
      config: { provider: 'openai', model: 'openai/gpt-6-astra', extraEnv: { KEEP: '1' } },
      secrets: { providerApiKey: PROVIDER_KEY },
    });
    const patch = async (body: unknown, generation: number) => {
      const reply = await api<PodWithStatus>('PATCH', `/pods/${pod.id}`, { body });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.generation).toBe(generation);
      expect(desired(await getPod(pod.id))).toEqual(desired(reply.body));
      return reply.body;
    };

    let p = await patch({ config: { extraEnv: { ADD: '2' } } }, 2);
    expect(p.config).toEqual({
      provider: 'openai',
      model: 'openai/gpt-6-astra',
      extraEnv: { KEEP: '1', ADD: '2' },
    });
    p = await patch({ config: { model: null, extraEnv: { KEEP: null } } }, 3);
    expect(p.config).toEqual({ provider: 'openai', extraEnv: { ADD: '2' } });
    p = await patch({ secrets: { providerApiKey: null } }, 4);
    expect(p.secretRefs).toEqual(['gatewayToken']);
    p = await patch({ secrets: { providerApiKey: `${PROVIDER_KEY}-2` } }, 5);
    expect(p.secretRefs).toEqual(['gatewayToken', 'providerApiKey']);
    p = await patch({ name: 'Patchy', resources: { memoryMb: 1024 } }, 6);
    expect(p).toMatchObject({ name: 'Patchy', resources: { memoryMb: 1024, cpus: 1 } });

    const refusals: [unknown, number, string][] = [
      [{}, 400, 'validation_failed'],
      [{ config: { provider: 'nope' } }, 400, 'validation_failed'],
      [{ config: { model: 'anthropic/claude' } }, 400, 'validation_failed'],
      [{ config: { colour: 'red' } }, 400, 'validation_failed'],
      [{ secrets: { gatewayToken: null } }, 400, 'validation_failed'],
      [{ secrets: { nope: 'x' } }, 400, 'validation_failed'],
      [{ subdomain: 'moved' }, 400, 'validation_failed'],
      [{ tenantId: other.id }, 400, 'validation_failed'],
      [{ resources: { memoryMb: 1 } }, 400, 'validation_failed'],
      [{ desiredState: 'paused' }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of refusals) {
      const problem = expectProblem(await api('PATCH', `/pods/${pod.id}`, { body }), status, code);
      if (JSON.stringify(body).includes('config')) {
        expect(errorPaths(problem)[0]).toMatch(/^config\./);
      }
    }
    expect(desired(await getPod(pod.id))).toEqual(desired(p));
  });

  it('starts, restarts and stops through desired state, refusing a restart when stopped', async () => {
    const pod = await newPod(tenant.id, { subdomain: 'power' });
    // Paused so that no agent container boots: these are writes of desired state only.
    await server.services.reconciler.stop();
    try {
      // As curl sends it with a JSON content type and no body.
      const started = await api<PodWithStatus>('POST', `/pods/${pod.id}/start`, { raw: '' });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ desiredState: 'running', generation: 2 });
      const restarted = await api<PodWithStatus>('POST', `/pods/${pod.id}/restart`);
      expect(restarted.status).toBe(202);
      expect(restarted.body.generation).toBe(3);
      expect(restarted.body.restartRequestedAt).toEqual(expect.any(String));
      const stopped = await api<PodWithStatus>('POST', `/pods/${pod.id}/stop`);
      expect(stopped.status).toBe(202);
      expect(stopped.body).toMatchObject({ desiredState: 'stopped', generation: 4 });

      expectProblem(await api('POST', `/pods/${pod.id}/restart`), 409, 'pod_stopped');
      expect(desired(await getPod(pod.id))).toEqual(desired(stopped.body));
    } finally {
      server.services.reconciler.start();
    }
  });

  it('reads events newest first, pages them, and records an access link', async () => {
    const pod = await newPod(tenant.id, { subdomain: 'linked' });
    const link = await api<{ url: string; note: string }>('POST', `/pods/${pod.id}/access-link`);
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(/^https:\/\/linked\.agents\.test\/#token=[\w%-]{20,}$/);

    const db = server.context.db.db;
    for (const message of ['first', 'second', 'third']) {
      // Apart in time, so that newest-first has one right answer.
      await sleep(5);
      await recordEvent(db, { podId: pod.id, reason: 'ConfigWritten', message });
    }
    const events = await api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events`);
    expect(events.status).toBe(200);
    const messages = events.body.items.map((e) => e.message);
    expect(messages.slice(0, 3)).toEqual(['third', 'second', 'first']);
    const times = events.body.items.map((e) => e.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(events.body.items.filter((e) => e.reason === 'AccessLinkIssued')).toHaveLength(1);
    const walked = await walk<PodEvent>(`/pods/${pod.id}/events`);
    expect(walked.map((e) => e.id)).toEqual(events.body.items.map((e) => e.id));
  });

  it('refuses device and log calls on a stopped pod that has no container', async () => {
    const pod = await newPod(tenant.id, { subdomain: 'quiet' });
    expectProblem(await api('GET', `/pods/${pod.id}/devices`), 409, 'pod_not_running');
    expectProblem(
      await api('POST', `/pods/${pod.id}/devices/req-1/approve`),
      409,
      'pod_not_running',
    );
    expectProblem(await api('GET', `/pods/${pod.id}/logs`), 409, 'pod_has_no_container');
    expectProblem(
      await api('POST', `/pods/${pod.id}/devices/bad id!/approve`),
      400,
      'validation_failed',
    );
  });

  it('deletes with 202, hides the pod from the list and refuses later writes', async () => {
    const pod = await newPod(tenant.id, {
      subdomain: 'doomed',
      secrets: { providerApiKey: PROVIDER_KEY },
    });
    const deleted = await api<PodWithStatus>('DELETE', `/pods/${pod.id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.body.deletedAt).toEqual(expect.any(String));
    expect(deleted.body.generation).toBe(2);
    expect(await listIds('/pods?limit=200')).not.toContain(pod.id);
    expect(await listIds(`/pods?tenantId=${tenant.id}`)).not.toContain(pod.id);

    // Once the reconciler has finished the deletion (it drops the secrets then), the tombstone
    // must not change any more.
    const finished = await eventually('the deletion to finish', async () => {
      const p = await getPod(pod.id);
      return p.status.phase === 'deleted' ? p : undefined;
    });
    const tombstone = desired(finished);
    expect(tombstone.secretRefs).toEqual([]);
    const writes: [string, string, unknown?][] = [
      ['PATCH', '', { name: 'revived' }],
      ['POST', '/start'],
      ['POST', '/stop'],
      ['POST', '/restart'],
      ['POST', '/access-link'],
      ['GET', '/devices'],
      ['POST', '/devices/req-1/approve'],
    ];
    for (const [method, path, body] of writes) {
      const reply = await api(method, `/pods/${pod.id}${path}`, { body });
      expectProblem(reply, 409, 'pod_deleted');
    }
    expect(desired(await getPod(pod.id))).toEqual(tombstone);
    const events = await api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events`);
    expect(events.body.items.map((e) => e.reason)).not.toContain('AccessLinkIssued');

    // DELETE is idempotent: asking again changes nothing, during and after the deletion.
    const again = await api<PodWithStatus>('DELETE', `/pods/${pod.id}`);
    expect(again.status).toBe(202);
    expect(desired(again.body)).toEqual(tombstone);
    await eventually('the pod deletion to finish', async () =>
      (await getPod(pod.id)).status.phase === 'deleted' ? true : undefined,
    );
    const late = await api<PodWithStatus>('DELETE', `/pods/${pod.id}`);
    expect(late.status).toBe(202);
    expect(desired(late.body)).toEqual(tombstone);
    // A purge asked after the deletion finished would never run: refused, not silently dropped.
    expectProblem(await api('DELETE', `/pods/${pod.id}?purge=true`), 409, 'pod_deleted');
    expect(desired(await getPod(pod.id))).toEqual(tombstone);

    // The subdomain is free again for a new pod.
    await newPod(other.id, { subdomain: 'doomed' });
  });

  it('never returns a secret value', () => {
    expect(responses.length).toBeGreaterThan(50);
    const leaks = responses.filter((text) => text.includes(PROVIDER_KEY));
    expect(leaks).toEqual([]);
  });
});

describe('routing', () => {
  it('answers unknown routes and wrong methods with a problem', async () => {
    const unknown = expectProblem(await api('GET', '/nothing-here'), 404, 'route_not_found');
    expect(unknown.detail).toContain('/api/v1/nothing-here');
    expectProblem(await call('GET', '/'), 404, 'route_not_found');
    expectProblem(await api('PUT', `/pods/${UNKNOWN_POD}`, { body: {} }), 404, 'route_not_found');
    expectProblem(await api('DELETE', '/tenants'), 404, 'route_not_found');
  });
});
