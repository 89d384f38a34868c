// The API's security promises on the real control plane (startServer on embedded PGlite, the
// real Docker daemon, the reconciler running): every route walked without and with bad
// credentials, the failed-authentication limit, token expiry, the audit log and its retention,
// secrets deleted with their pod, and a seeded fuzz run over the whole route table.
//
// Requests go out over node:http from their own loopback source address (127.x.y.z) per case,
// so the per-address failure limit is tested where it is meant and stays out of the way
// elsewhere.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AuditPage, PodWithStatus, Tenant } from '@agentpod/shared';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { queryRows } from '../db/client.js';
import { createApiToken, revokeApiToken } from '../db/queries/tokens.js';
import { apiTokens, auditLog, podSecrets } from '../db/schema.js';
import { createLogger } from '../logger.js';
import {
  type DockerHost,
  LABEL_INSTALLATION,
  LABEL_POD_ID,
  listContainers,
} from '../runtime/index.js';
import {
  eventually,
  removeTestObjects,
  seededRandom,
  testHost,
  testImage,
} from '../runtime/testing.js';
import { type RunningServer, startServer } from '../server.js';
import { Retention } from '../stats/retention.js';
import { isPublicRoute } from './auth.js';
import { TOKEN_CACHE_TTL_MS } from './token-cache.js';

const FAILURES_PER_MINUTE = 20;
/** Plaintext secrets set through the API: none may ever come back anywhere. */
const MODEL_KEY = `sk-sec-${randomBytes(12).toString('hex')}`;
const REGISTRY_PASSWORD = `pw-sec-${randomBytes(12).toString('hex')}`;

let server: RunningServer;
let docker: DockerHost;
let dataDir: string;
let adminToken: string;
const logLines: string[] = [];
const bodies: string[] = [];
const podIds = new Set<string>();
/** The gateway tokens the tests saw (in access links): searched for like the model key. */
const gatewayTokens: string[] = [];

let nextAddress = 0;
/** A fresh loopback source address: its own failure count. */
function freshAddress(): string {
  nextAddress += 1;
  return `127.${10 + (nextAddress >> 16)}.${(nextAddress >> 8) & 255}.${nextAddress & 255}`;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

interface Send {
  token?: string | null;
  body?: unknown;
  /** Sent as is (a Buffer for invalid UTF-8), with content-type application/json. */
  raw?: string | Buffer;
  from?: string;
  headers?: Record<string, string>;
}

/** One request over node:http, from `from` (a loopback address), with the admin token by default. */
function send(method: string, path: string, opts: Send = {}): Promise<Reply> {
  const url = new URL(server.url);
  const token = opts.token === undefined ? adminToken : opts.token;
  const payload =
    opts.raw ?? (opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body)));
  const headers: Record<string, string | number> = { ...opts.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers,
        localAddress: opts.from ?? '127.0.0.1',
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          bodies.push(text);
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const api = (method: string, path: string, opts?: Send) => send(method, `/api/v1${path}`, opts);

function expectProblem(reply: Reply, status: number, code?: string) {
  expect({ status: reply.status, text: reply.text.slice(0, 400) }).toMatchObject({ status });
  expect(String(reply.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = reply.json as { code: string; status: number };
  expect(body.status).toBe(status);
  expect(body.code).toMatch(/^[a-z][a-z_]*$/);
  if (code) expect(body.code).toBe(code);
}

beforeAll(async () => {
  docker = testHost();
  dataDir = await mkdtemp(join(tmpdir(), 'agentpod-sec-'));
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const announced: string[] = [];
  server = await startServer(
    loadConfig({
      AGENTPOD_PROXY: 'none',
      AGENTPOD_NETWORK_POLICY: 'off',
      AGENTPOD_DATA_DIR: dataDir,
      AGENTPOD_PORT: '0',
      AGENTPOD_BASE_DOMAIN: 'sec.test',
      AGENTPOD_PROXY_TOKEN: randomBytes(16).toString('hex'),
      AGENTPOD_POD_SUBNET_POOL: '10.246.0.0/16',
      AGENTPOD_SWEEP_DRY_RUN: 'true',
      AGENTPOD_IMAGE_OPENCLAW: testImage('OPENCLAW'),
      AGENTPOD_AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE),
    }),
    // Debug level: the redaction check reads everything the control plane would print.
    createLogger('debug', sink),
    { announce: (line) => announced.push(line) },
  );
  const token = announced.join('\n').match(/shown only this once: (ap_[\w-]+)/)?.[1];
  if (!token) throw new Error(`no admin token was announced: ${announced.join('\n')}`);
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

async function newTenant(name: string): Promise<Tenant> {
  const reply = await api('POST', '/tenants', { body: { name } });
  expect(reply.status, reply.text).toBe(201);
  return reply.json as Tenant;
}

async function newPod(tenantId: string, subdomain: string): Promise<PodWithStatus> {
  const reply = await api('POST', '/pods', {
    body: {
      tenantId,
      subdomain,
      desiredState: 'stopped',
      config: { provider: 'openai' },
      secrets: { providerApiKey: MODEL_KEY },
    },
  });
  expect(reply.status, reply.text).toBe(201);
  const pod = reply.json as PodWithStatus;
  podIds.add(pod.id);
  return pod;
}

/** Fills a route's parameters with well-formed values (the ids need not exist). */
function concretePath(url: string): string {
  return url
    .replace(':id', `pod_${'0'.repeat(20)}`)
    .replace(':requestId', 'req1')
    .replace(':registry', 'ghcr.io')
    .replace(':subdomain', 'abc')
    .replace(/\*$/, 'x');
}

/** Every route once per method; HEAD is Fastify's copy of GET and is walked too. */
function routeTable() {
  const seen = new Set<string>();
  return server.routeTable.filter((r) => {
    const key = `${r.method} ${r.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describe('authentication on every route', () => {
  it('answers 401 problem+json on every route but the allow-list, without or with a bad token', async () => {
    const revoked = await createApiToken(server.context.db.db, 'walk-revoked');
    await revokeApiToken(server.context.db.db, revoked.record.id);
    const expired = await createApiToken(server.context.db.db, 'walk-expired', {
      expiresAt: new Date(Date.now() - 1_000),
    });
    const credentials: [string, string | null, string][] = [
      ['none', null, 'unauthorized'],
      ['wrong', `ap_${randomBytes(32).toString('base64url')}`, 'unauthorized'],
      ['revoked', revoked.token, 'unauthorized'],
      ['expired', expired.token, 'token_expired'],
      ['not a session', 'nonsense-session-token', 'unauthorized'],
    ];
    const routes = routeTable();
    // The table holds what the product serves: tenants, pods, tokens, the watch socket...
    expect(routes.length).toBeGreaterThan(40);
    const publicSeen: string[] = [];
    let calls = 0;
    for (const route of routes) {
      const path = concretePath(route.url);
      const from = freshAddress();
      if (isPublicRoute(route.method, route.url)) {
        publicSeen.push(`${route.method} ${route.url}`);
        const reply = await send(route.method, path, { token: null, from });
        // Public means no credential asked: anything but 401 (readyz may be 503, setup 409).
        expect(reply.status, `${route.method} ${path}`).not.toBe(401);
        continue;
      }
      for (const [what, token, code] of credentials) {
        const reply = await send(route.method, path, { token, from });
        calls += 1;
        expect(
          { route: `${route.method} ${path}`, credential: what, status: reply.status },
          reply.text.slice(0, 200),
        ).toEqual({ route: `${route.method} ${path}`, credential: what, status: 401 });
        // HEAD answers carry no body.
        // The proxy route takes the proxy token: an expired API token is just a wrong one there.
        const expected = route.url === '/api/v1/proxy/traefik' ? 'unauthorized' : code;
        if (route.method !== 'HEAD') expectProblem(reply, 401, expected);
      }
    }
    // The allow-list is what it was decided to be; a new public route shows up here.
    expect(publicSeen.sort()).toMatchInlineSnapshot(`
      [
        "GET /api/auth/*",
        "GET /api/v1/docs",
        "GET /api/v1/docs/json",
        "GET /api/v1/docs/static/*",
        "GET /api/v1/docs/static/index.html",
        "GET /api/v1/docs/static/swagger-initializer.js",
        "GET /api/v1/docs/yaml",
        "GET /api/v1/openapi.json",
        "GET /api/v1/setup",
        "GET /healthz",
        "GET /readyz",
        "HEAD /api/auth/*",
        "HEAD /api/v1/docs",
        "HEAD /api/v1/docs/",
        "HEAD /api/v1/docs/json",
        "HEAD /api/v1/docs/static/*",
        "HEAD /api/v1/docs/static/index.html",
        "HEAD /api/v1/docs/static/swagger-initializer.js",
        "HEAD /api/v1/docs/yaml",
        "HEAD /api/v1/openapi.json",
        "HEAD /api/v1/setup",
        "HEAD /healthz",
        "HEAD /readyz",
        "POST /api/auth/*",
        "POST /api/v1/setup",
      ]
    `);
    console.info(`route walk: ${routes.length} routes, ${calls} refused calls`);
  });

  it('lets the admin token through on the same routes (the walk is not refusing everything)', async () => {
    const reply = await api('GET', '/tenants', { from: freshAddress() });
    expect(reply.status).toBe(200);
  });
});

describe('failed authentication is limited per client address', () => {
  it(`answers 429 rate_limited with Retry-After after ${FAILURES_PER_MINUTE} failures, and only there`, async () => {
    const attacker = freshAddress();
    const bystander = freshAddress();
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) {
      const reply = await api('GET', '/pods', { token: `ap_guess${i}`, from: attacker });
      expectProblem(reply, 401, 'unauthorized');
    }
    const limited = await api('GET', '/pods', { token: 'ap_guess-more', from: attacker });
    expectProblem(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // While limited, a guess is not even looked at: the valid token gets the same answer,
    // so the answers tell a guesser nothing.
    expectProblem(await api('GET', '/pods', { from: attacker }), 429, 'rate_limited');
    // Another address is untouched, and its valid calls never count.
    for (let i = 0; i < FAILURES_PER_MINUTE + 5; i++) {
      expect((await api('GET', '/tenants', { from: bystander })).status).toBe(200);
    }
  });
});

describe('token expiry', () => {
  it('creates a token with an expiry, lists it, and refuses it with token_expired once past', async () => {
    const from = freshAddress();
    const created = await api('POST', '/tokens', {
      body: { name: 'thirty-days', expiresInDays: 30 },
      from,
    });
    expect(created.status, created.text).toBe(201);
    const token = created.json as { id: string; token: string; expiresAt: string };
    const inThirtyDays = Date.now() + 30 * 86_400_000;
    expect(Math.abs(Date.parse(token.expiresAt) - inThirtyDays)).toBeLessThan(60_000);
    expect((await api('GET', '/tenants', { token: token.token, from })).status).toBe(200);
    const list = await api('GET', '/tokens', { from });
    expect((list.json as { items: { id: string; expiresAt: string | null }[] }).items).toEqual(
      expect.arrayContaining([{ ...expectAny(), id: token.id, expiresAt: token.expiresAt }]),
    );
    await server.context.db.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(apiTokens.id, token.id));
    // Moved in the database, past the API: a verified token is kept up to TOKEN_CACHE_TTL_MS.
    const expired = await eventually(
      'the token refused as expired',
      async () => {
        const reply = await api('GET', '/tenants', { token: token.token, from });
        return reply.status === 200 ? undefined : reply;
      },
      { timeoutMs: TOKEN_CACHE_TTL_MS + 5_000 },
    );
    expectProblem(expired, 401, 'token_expired');
    expectProblem(
      await api('POST', '/tokens', { body: { name: 'x', expiresInDays: 0 }, from }),
      400,
      'validation_failed',
    );
  });
});

function expectAny(): Record<string, unknown> {
  return {
    name: expect.any(String),
    prefix: expect.any(String),
    role: 'admin',
    createdAt: expect.any(String),
    lastUsedAt: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
    revokedAt: null,
  };
}

describe('ids that reach a command line', () => {
  it('refuses a device request id that starts with - (it would be read as an option)', async () => {
    const tenant = await newTenant('sec-pairing');
    const pod = await newPod(tenant.id, 'sec-pairing');
    for (const requestId of ['-h', '--help', '-rf', '-']) {
      for (const verb of ['approve', 'reject']) {
        const reply = await api(
          'POST',
          `/pods/${pod.id}/devices/${encodeURIComponent(requestId)}/${verb}`,
        );
        expectProblem(reply, 400, 'validation_failed');
      }
    }
  });
});

describe('the audit log', () => {
  it('records who did what to which object from where, including the access link', async () => {
    const from = freshAddress();
    const created = await api('POST', '/tokens', { body: { name: 'auditor' }, from });
    const auditor = created.json as { id: string; token: string };
    const tenant = (
      await api('POST', '/tenants', { body: { name: 'sec-audit' }, token: auditor.token, from })
    ).json as Tenant;
    const pod = await newPod(tenant.id, 'sec-audit');
    const link = await api('POST', `/pods/${pod.id}/access-link`, { token: auditor.token, from });
    expect(link.status, link.text).toBe(200);
    const token = new URL((link.json as { url: string }).url).hash.match(/token=([^&]+)/)?.[1];
    if (token) gatewayTokens.push(decodeURIComponent(token));
    await api('DELETE', `/tokens/${auditor.id}`, { from });

    const entries = await eventually('the audit entries', async () => {
      const page = (await api('GET', `/audit?actor=token:${auditor.id}`, { from }))
        .json as AuditPage;
      return page.items.length >= 2 ? page.items : undefined;
    });
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: `token:${auditor.id}`,
          action: 'tenant.create',
          target: tenant.id,
          method: 'POST',
          path: '/api/v1/tenants',
          status: 201,
          ip: from,
        }),
        expect.objectContaining({
          actor: `token:${auditor.id}`,
          action: 'pod.access_link',
          target: pod.id,
          status: 200,
          ip: from,
        }),
      ]),
    );
    const revoked = (await api('GET', `/audit?action=token.revoke&target=${auditor.id}`, { from }))
      .json as AuditPage;
    expect(revoked.items).toHaveLength(1);
    // Filtered by the pod: its create and its access link, newest first.
    const onPod = (await api('GET', `/audit?target=${pod.id}`, { from })).json as AuditPage;
    expect(onPod.items.map((e) => e.action)).toEqual(['pod.access_link', 'pod.create']);
    // Pages follow the cursor without repeating.
    const first = (await api('GET', `/audit?target=${pod.id}&limit=1`, { from })).json as AuditPage;
    const second = (
      await api(
        'GET',
        `/audit?target=${pod.id}&limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
        { from },
      )
    ).json as AuditPage;
    expect([...first.items, ...second.items].map((e) => e.action)).toEqual(
      onPod.items.map((e) => e.action),
    );
    expectProblem(await api('GET', '/audit?before=yesterday', { from }), 400, 'validation_failed');
  });

  it('records refused calls, but at most 20 per address and minute', async () => {
    const from = freshAddress();
    for (let i = 0; i < 60; i++) await api('POST', '/tenants', { token: `ap_no${i}`, from });
    const rows = await eventually('the refused calls to be recorded', async () => {
      const found = await server.context.db.db.select().from(auditLog).where(eq(auditLog.ip, from));
      return found.length >= 20 ? found : undefined;
    });
    expect(rows.length).toBe(20);
    expect(
      rows.every((r) => r.actor === 'anonymous' && (r.status === 401 || r.status === 429)),
    ).toBe(true);
  });

  it('prunes entries older than the audit retention', async () => {
    const db = server.context.db.db;
    const from = freshAddress();
    await api('POST', '/tenants', { body: { name: 'sec-old' }, from });
    await api('POST', '/tenants', { body: { name: 'sec-new' }, from });
    const rows = await eventually('both entries', async () => {
      const r = await db.select().from(auditLog).where(eq(auditLog.ip, from));
      return r.length === 2 ? r : undefined;
    });
    const old = rows.find((r) => r.path === '/api/v1/tenants' && r.at === rows[0]?.at) ?? rows[0];
    await db
      .update(auditLog)
      .set({ at: new Date(Date.now() - 10 * 86_400_000) })
      .where(eq(auditLog.id, old?.id ?? ''));
    const retention = new Retention(db, {
      rawMs: 3_600_000,
      rollupMs: 86_400_000,
      eventsMs: 30 * 86_400_000,
      auditMs: 7 * 86_400_000,
      intervalMs: 300_000,
      logger: createLogger('silent'),
    });
    const pruned = await retention.pass();
    expect(pruned.audit).toBeGreaterThanOrEqual(1);
    const left = await db.select().from(auditLog).where(eq(auditLog.ip, from));
    expect(left.map((r) => r.id)).toEqual(rows.filter((r) => r.id !== old?.id).map((r) => r.id));
  });
});

describe('secrets', () => {
  it("deletes a pod's encrypted secrets when its deletion finishes", async () => {
    const tenant = await newTenant('sec-delete');
    const pod = await newPod(tenant.id, 'sec-delete');
    const db = server.context.db.db;
    expect(await db.select().from(podSecrets).where(eq(podSecrets.podId, pod.id))).toHaveLength(2);
    expect((await api('DELETE', `/pods/${pod.id}`)).status).toBe(202);
    await eventually('the deletion to finish', async () => {
      const reply = await api('GET', `/pods/${pod.id}`);
      return (reply.json as PodWithStatus).status.phase === 'deleted' || undefined;
    });
    expect(await db.select().from(podSecrets).where(eq(podSecrets.podId, pod.id))).toEqual([]);
  });

  it('rotates the gateway token: new value stored, event recorded, never the value', async () => {
    const tenant = await newTenant('sec-rotate');
    const pod = await newPod(tenant.id, 'sec-rotate');
    const linkOf = async () => {
      const reply = await api('POST', `/pods/${pod.id}/access-link`);
      const url = (reply.json as { url: string }).url;
      const token = decodeURIComponent(url.match(/token=([^&]+)/)?.[1] ?? '');
      gatewayTokens.push(token);
      return token;
    };
    const before = await linkOf();
    const rotated = await api('POST', `/pods/${pod.id}/gateway-token/rotate`);
    expect(rotated.status, rotated.text).toBe(202);
    expect((rotated.json as PodWithStatus).generation).toBe(pod.generation + 1);
    const after = await linkOf();
    expect(after).not.toBe(before);
    expect(after.length).toBeGreaterThan(30);
    const events = (await api('GET', `/pods/${pod.id}/events?reason=GatewayTokenRotated`)).json as {
      items: { message: string }[];
    };
    expect(events.items).toHaveLength(1);
    expect(events.items[0]?.message).not.toContain(after);
    expect(events.items[0]?.message).not.toContain(before);
  });

  it('never shows a plaintext secret in logs, answers, the database or Docker labels', async () => {
    const from = freshAddress();
    const put = await api('PUT', '/registries/registry.sec.test', {
      body: { username: 'robot', password: REGISTRY_PASSWORD },
      from,
    });
    expect(put.status, put.text).toBe(200);
    const tenant = await newTenant('sec-grep');
    const pod = await newPod(tenant.id, 'sec-grep');
    // Reads that show pods, events and the audit log.
    await api('GET', `/pods/${pod.id}`, { from });
    await api('GET', '/pods?includeDeleted=true', { from });
    await api('GET', `/pods/${pod.id}/events`, { from });
    await api('GET', '/audit?limit=200', { from });
    await api('GET', '/registries', { from });
    const secrets = [MODEL_KEY, REGISTRY_PASSWORD, ...gatewayTokens];
    expect(gatewayTokens.length).toBeGreaterThan(0);
    const hits = (where: string, text: string) =>
      secrets.filter((s) => text.includes(s)).map((s) => `${where}: ${s.slice(0, 8)}…`);

    const found: string[] = [];
    found.push(...hits('log', logLines.join('\n')));
    // Answers: every one but the access links, which are the one place the token is given out.
    found.push(
      ...hits(
        'answer',
        bodies.filter((b) => !b.includes('#token=') && !b.includes('token=')).join('\n'),
      ),
    );
    // Every text and jsonb column of every table, but the ciphertexts.
    const columns = await queryRows<{ table_name: string; column_name: string }>(
      server.context.db.db,
      sql`SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND data_type IN ('text', 'jsonb', 'json', 'character varying')
            AND column_name <> 'ciphertext'`,
    );
    expect(columns.length).toBeGreaterThan(20);
    for (const { table_name, column_name } of columns) {
      const rows = await queryRows<{ v: string | null }>(
        server.context.db.db,
        sql.raw(`SELECT "${column_name}"::text AS v FROM "${table_name}"`),
      );
      found.push(...hits(`${table_name}.${column_name}`, rows.map((r) => r.v ?? '').join('\n')));
    }
    // Docker: labels and names of this installation's objects (a pod's env is the agent's own).
    const containers = await listContainers(docker, {
      [LABEL_INSTALLATION]: server.context.installationId,
    });
    found.push(...hits('docker labels', JSON.stringify(containers)));
    expect(found).toEqual([]);
  });
});

/** The tables a malformed request must never change, with a hash of their rows. */
async function databaseState(): Promise<Record<string, string>> {
  const db = server.context.db.db;
  const state: Record<string, string> = {};
  for (const table of [
    'tenants',
    'pods',
    'pod_secrets',
    'registry_credentials',
    'auth_user',
    'installation',
  ]) {
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql.raw(`SELECT * FROM "${table}" ORDER BY 1`),
    );
    state[table] =
      `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
  }
  const [tokens] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM api_tokens WHERE revoked_at IS NULL`,
  );
  state.api_tokens = String(tokens?.n);
  return state;
}

async function dockerState(): Promise<string> {
  const mine = { [LABEL_INSTALLATION]: server.context.installationId };
  const [containers, networks, volumes] = await Promise.all([
    docker.docker.listContainers({ all: true, filters: { label: labelFilter(mine) } }),
    docker.docker.listNetworks({ filters: { label: labelFilter(mine) } }),
    docker.docker.listVolumes({ filters: { label: labelFilter(mine) } }),
  ]);
  return JSON.stringify({
    containers: containers.map((c) => [c.Id, c.State]).sort(),
    networks: networks.map((n) => n.Id).sort(),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name).sort(),
  });
}

function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** Bad values for a string anywhere: path, query or body. */
const BAD_STRINGS = [
  '-rf',
  '--help',
  '../../etc/passwd',
  '..%2f..%2fetc',
  '%2e%2e%2f%2e%2e',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  'a\r\nX-Injected: 1',
  'UPPER_case.not-dns',
  '-leading-dash',
  'x'.repeat(5_000),
  '<script>alert(1)</script>',
  "'; DROP TABLE pods; --",
  '\u202e\u0000\u0001',
  '',
];

/** Strings no field accepts: NUL, other control characters, lone surrogates. */
const NOT_TEXT = ['a\u0000b', '\ud800', 'x\udfffy', '\u202e\u0000\u0001', 'bell\u0007', 'a\u001bb'];

/** Path segments: raw bytes a client could put in a URL, percent-encoded where needed. */
const BAD_SEGMENTS = [
  '-rf',
  '--help',
  '..',
  '%2e%2e',
  '..%2f..%2fetc',
  'a%00b',
  '%ff%fe',
  '%ed%a0%80',
  `pod_${'0'.repeat(19)}%00`,
  'x'.repeat(3_000),
  '%0d%0aX-Injected:%201',
  'UPPER',
];

/** Percent-encodes; a lone surrogate (which encodeURIComponent refuses) as its raw bytes. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ed%a0%80';
  }
}

function deepNesting(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A valid-looking body per write route, so that one bad field is what gets checked. */
function baseBody(method: string, url: string, ids: { tenant: string }) {
  const key = `${method} ${url.replace('/api/v1', '')}`;
  const bodies: Record<string, Record<string, unknown>> = {
    'POST /tenants': { name: 'fuzz-tenant', displayName: 'Fuzz' },
    'PATCH /tenants/:id': { displayName: 'Fuzz' },
    'POST /pods': {
      tenantId: ids.tenant,
      subdomain: 'fuzz-pod',
      desiredState: 'stopped',
      config: { provider: 'openai' },
      secrets: { providerApiKey: 'sk-fuzz' },
    },
    'PATCH /pods/:id': { name: 'fuzz', config: { provider: 'openai' } },
    'POST /tokens': { name: 'fuzz', expiresInDays: 3 },
    'PUT /registries/:registry': { username: 'u', password: 'p' },
    'POST /setup': { email: 'a@b.test', password: 'x'.repeat(16), name: 'A' },
  };
  return bodies[key];
}

/** One malformed variant of a body: exactly what makes it malformed is seeded. */
function mutateBody(base: Record<string, unknown>, pick: <T>(xs: readonly T[]) => T) {
  const kind = pick([
    'type',
    'unknown',
    'string',
    'nested',
    'array',
    'null',
    'header',
    'subdomain',
  ] as const);
  const keys = Object.keys(base);
  const field = pick(keys.length > 0 ? keys : ['x']);
  switch (kind) {
    case 'type':
      return { ...base, [field]: pick([42, true, [], {}, -1.5, 1e308] as unknown[]) };
    case 'unknown':
      return { ...base, [`unknown_${field}`]: 'x' };
    case 'string':
      // Only what no field accepts: `../x` is a fine display name.
      return { ...base, [field]: pick(NOT_TEXT) };
    case 'nested':
      return { ...base, [field]: { deep: { deeper: [pick(BAD_STRINGS)] } }, extra: null };
    case 'array':
      return [base];
    case 'null':
      return null;
    case 'header':
      return {
        ...base,
        config: { provider: 'openai', extraEnv: { X: 'a\r\nSet-Cookie: x=1' } },
      };
    case 'subdomain':
      return {
        ...base,
        subdomain: pick(['-x', 'a_b', 'A', 'x'.repeat(64), 'a..b', 'é', '']),
      };
  }
}

describe('fuzzing the route table', () => {
  it('answers at least 500 malformed requests with 4xx problem+json, changing nothing', async () => {
    const tenant = await newTenant('sec-fuzz');
    const pod = await newPod(tenant.id, 'sec-fuzz');
    const realIds: Record<string, string> = { ':id': pod.id, ':registry': 'ghcr.io' };
    // Let the reconciler settle on the pod first: its status writes are not the fuzz's.
    await eventually('the pod to be observed', async () => {
      const p = (await api('GET', `/pods/${pod.id}`)).json as PodWithStatus;
      return p.status.observedGeneration === p.generation || undefined;
    });
    // The first-run setup is done before: a well-formed setup body would otherwise succeed.
    const setup = await api('POST', '/setup', {
      body: { email: 'first@sec.test', password: 'a-long-password-1' },
      token: null,
    });
    expect(setup.status, setup.text).toBe(201);
    const dbBefore = await databaseState();
    const dockerBefore = await dockerState();

    const random = seededRandom(0xa9e7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    // better-auth's own routes answer in their own format; the setup route is done (409).
    const routes = routeTable().filter(
      (r) =>
        r.method !== 'HEAD' &&
        !r.url.startsWith('/api/auth/') &&
        r.url.startsWith('/api/v1/') &&
        !r.url.startsWith('/api/v1/docs'),
    );
    const failures: string[] = [];
    const codes = new Map<string, number>();
    let sent = 0;
    const check = async (label: string, reply: Reply) => {
      sent += 1;
      const ct = String(reply.headers['content-type'] ?? '');
      const code = (reply.json as { code?: unknown } | undefined)?.code;
      const ok =
        reply.status >= 400 &&
        reply.status < 500 &&
        ct.startsWith('application/problem+json') &&
        typeof code === 'string' &&
        /^[a-z][a-z_]*$/.test(code);
      if (!ok) failures.push(`${label} -> ${reply.status} ${ct} ${reply.text.slice(0, 160)}`);
      else codes.set(code as string, (codes.get(code as string) ?? 0) + 1);
    };
    const from = () => freshAddress();

    for (const route of routes) {
      const params = route.url.match(/:\w+/g) ?? [];
      const fill = (bad?: { param: string; value: string }) =>
        route.url.replace(/:\w+/g, (p) =>
          bad && p === bad.param
            ? bad.value
            : (realIds[p] ?? (p === ':requestId' ? 'req1' : 'abc')),
        );
      // Bad path parameters, each one in turn.
      for (const param of params) {
        if (param === ':subdomain') continue; // the check answers "not a DNS label" with 200
        for (const value of BAD_SEGMENTS) {
          const path = fill({ param, value });
          await check(
            `${route.method} ${path.slice(0, 80)}`,
            await send(route.method, path, { from: from() }),
          );
        }
      }
      // Unknown and malformed query parameters.
      for (const query of [
        'unknown=1',
        `limit=${pick(['abc', '-1', '1e9', '0', '%00', '1&limit=2'])}&bogus=1`,
        `cursor=${encode(pick(BAD_STRINGS))}&x=%ff`,
        `after=-1&zzz=${encodeURIComponent('\r\n')}`,
      ]) {
        const path = `${fill()}?${query}`;
        await check(
          `${route.method} ${path.slice(0, 80)}`,
          await send(route.method, path, { from: from() }),
        );
      }
      // Malformed bodies on the routes that take one.
      const base = baseBody(route.method, route.url, { tenant: tenant.id });
      if (base) {
        for (let i = 0; i < 12; i++) {
          const body = mutateBody(base, pick);
          await check(
            `${route.method} ${route.url} body ${JSON.stringify(body).slice(0, 80)}`,
            await send(route.method, fill(), { body, from: from() }),
          );
        }
        const raws: [string, string | Buffer][] = [
          ['2 MB', Buffer.alloc(2 * 1024 * 1024, 0x61)],
          ['10k deep', deepNesting(10_000)],
          [
            'invalid utf-8',
            Buffer.concat([
              Buffer.from('{"name":"'),
              Buffer.from([0xff, 0xfe, 0xc3]),
              Buffer.from('"}'),
            ]),
          ],
          ['NUL in JSON', '{"name":"a\\u0000b","unknown":1}'],
          ['truncated', '{"name":'],
        ];
        for (const [what, raw] of raws) {
          await check(
            `${route.method} ${route.url} ${what}`,
            await send(route.method, fill(), { raw, from: from() }),
          );
        }
      }
    }
    // Subdomain checks and the first-run setup with bad input: refused, never 5xx.
    for (const value of BAD_SEGMENTS) {
      const reply = await api('GET', `/subdomains/${value}`, { from: from() });
      sent += 1;
      if (reply.status >= 500)
        failures.push(`GET /subdomains/${value.slice(0, 40)} -> ${reply.status}`);
    }

    console.info(
      `fuzz: ${sent} malformed requests over ${routes.length} routes; codes ${JSON.stringify(Object.fromEntries(codes))}`,
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(500);
    expect(await databaseState()).toEqual(dbBefore);
    expect(await dockerState()).toEqual(dockerBefore);
  });
});
