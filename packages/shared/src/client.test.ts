import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { AgentPodClient } from './client.js';

const POD_ID = `pod_${'a'.repeat(20)}`;
const TENANT_ID = `ten_${'a'.repeat(20)}`;
const AT = '2025-03-01T12:00:00.000Z';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records what was sent and answers with `respond`. */
function fakeFetch(respond: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const request: Sent = {
      method: init.method ?? 'GET',
      url: String(input),
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    };
    sent.push(request);
    return respond(request);
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

const tenant = { id: TENANT_ID, name: 'acme', displayName: 'Acme', createdAt: AT, updatedAt: AT };

describe('AgentPodClient requests', () => {
  it('sends the token and a JSON body to the route under /api/v1 and checks the answer', async () => {
    const { fetch, sent } = fakeFetch(() => json(201, tenant));
    const client = new AgentPodClient({ baseUrl: 'http://cp.test:8080/', token: 'ap_x', fetch });
    expect(await client.tenants.create({ name: 'acme' })).toEqual(tenant);
    expect(sent).toEqual([
      {
        method: 'POST',
        url: 'http://cp.test:8080/api/v1/tenants',
        headers: {
          authorization: 'Bearer ap_x',
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: '{"name":"acme"}',
      },
    ]);
  });

  it('puts set query values in the URL and leaves unset ones out', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { items: [], nextCursor: null }));
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    await client.pods.list({ tenantId: TENANT_ID, includeDeleted: false, cursor: undefined });
    await client.pods.events(POD_ID, { limit: 5 });
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      `GET http://cp.test/api/v1/pods?tenantId=${TENANT_ID}&includeDeleted=false`,
      `GET http://cp.test/api/v1/pods/${POD_ID}/events?limit=5`,
    ]);
    expect(sent.map((s) => s.headers['content-type'])).toEqual([undefined, undefined]);
  });

  it('calls fetch unbound, as browsers require of window.fetch', async () => {
    let receiver: unknown = 'not called';
    const fetch = function (this: unknown) {
      receiver = this;
      return Promise.resolve(json(200, tenant));
    };
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    await client.tenants.get(TENANT_ID);
    expect(receiver).toBeUndefined();
  });

  it('creates, lists and revokes tokens on /tokens', async () => {
    const id = `tok_${'a'.repeat(20)}`;
    const created = {
      id,
      name: 'ci',
      prefix: 'ap_abcdefg',
      createdAt: AT,
      expiresAt: null,
      token: 'ap_secret',
    };
    const listed = { ...created, token: undefined, role: 'admin', lastUsedAt: null, revokedAt: AT };
    const { fetch, sent } = fakeFetch((req) =>
      req.method === 'POST'
        ? json(201, created)
        : req.method === 'GET'
          ? json(200, { items: [listed] })
          : new Response(null, { status: 204 }),
    );
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    expect((await client.tokens.create({ name: 'ci' })).token).toBe('ap_secret');
    expect((await client.tokens.list()).items).toEqual([
      {
        id,
        name: 'ci',
        prefix: 'ap_abcdefg',
        role: 'admin',
        createdAt: AT,
        lastUsedAt: null,
        revokedAt: AT,
        expiresAt: null,
      },
    ]);
    await client.tokens.revoke(id);
    expect(sent.map((s) => `${s.method} ${s.url} ${s.body ?? ''}`.trim())).toEqual([
      'POST http://cp.test/api/v1/tokens {"name":"ci"}',
      'GET http://cp.test/api/v1/tokens',
      `DELETE http://cp.test/api/v1/tokens/${id}`,
    ]);
  });

  it('takes 204 No Content as success', async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    await expect(client.tenants.delete(TENANT_ID)).resolves.toBeUndefined();
  });
});

describe('AgentPodClient errors', () => {
  it("throws the server's problem details as an ApiError", async () => {
    const problem = {
      type: 'https://agentpod.dev/problems/validation_failed',
      title: 'Bad Request',
      status: 400,
      code: 'validation_failed',
      detail: 'the request body is invalid',
      errors: [{ path: 'subdomain', message: 'is reserved' }],
    };
    const { fetch } = fakeFetch(() => json(400, problem, 'application/problem+json'));
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    const err = await client.pods
      .create({ tenantId: TENANT_ID, subdomain: 'admin' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'validation_failed',
      detail: 'the request body is invalid',
      errors: [{ path: 'subdomain', message: 'is reserved' }],
    });
  });

  it('names the status of an error answer that is not problem details', async () => {
    const { fetch } = fakeFetch(
      () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    await expect(client.pods.get(POD_ID)).rejects.toMatchObject({
      status: 502,
      code: 'http_502',
      detail: `GET /pods/${POD_ID} answered 502 Bad Gateway: <html>Bad Gateway</html>`,
    });
  });

  it('reports a failed connection as unreachable, naming the URL without its credentials', async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    });
    const client = new AgentPodClient({ baseUrl: 'http://u:pw@cp.test:9', token: 't', fetch });
    await expect(client.tenants.list()).rejects.toMatchObject({
      status: 0,
      code: 'unreachable',
      detail: 'cannot reach the AgentPod API at http://cp.test:9: ECONNREFUSED',
    });
  });

  it('refuses an answer that does not match the schema', async () => {
    const { fetch } = fakeFetch(() => json(200, { ...tenant, id: 'nope' }));
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    await expect(client.tenants.get(TENANT_ID)).rejects.toMatchObject({
      code: 'invalid_response',
      detail: expect.stringMatching(/^GET \/tenants\/ten_a+ on http:\/\/cp.test answered .*\(id: /),
    });
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => new AgentPodClient({ baseUrl: 'cp.test:8080', token: 't' })).toThrow(TypeError);
  });
});

describe('AgentPodClient.pods.followLogs', () => {
  /** An ndjson body whose chunks split lines (and a multi-byte character) anywhere. */
  function ndjsonBody(chunks: string[], keepOpen: boolean): ReadableStream<Uint8Array> {
    const bytes = new TextEncoder().encode(chunks.join(''));
    const cuts = [0, 5, 30, 31, 60, bytes.length];
    return new ReadableStream({
      start(controller) {
        for (let i = 1; i < cuts.length; i++) controller.enqueue(bytes.slice(cuts[i - 1], cuts[i]));
        if (!keepOpen) controller.close();
      },
    });
  }
  const lines = [
    { stream: 'stdout', text: 'gateway listening' },
    { stream: 'stderr', text: 'warn: café ☕' },
    { stream: 'stdout', text: 'ready' },
  ];
  const body = lines.map((l) => `${JSON.stringify(l)}\n`);

  it('yields each line of the stream, however it was chunked', async () => {
    const { fetch, sent } = fakeFetch(() => new Response(ndjsonBody(body, false)));
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    const got = [];
    for await (const line of client.pods.followLogs(POD_ID, { tail: 10 })) got.push(line);
    expect(got).toEqual(lines);
    expect(sent[0]?.url).toBe(`http://cp.test/api/v1/pods/${POD_ID}/logs?tail=10&follow=true`);
  });

  it('ends without an error when the signal aborts while it waits for more', async () => {
    const stop = new AbortController();
    // A stream that stays open, and a fetch that ignores the signal: only cancelling ends it.
    const { fetch } = fakeFetch(() => new Response(ndjsonBody(body, true)));
    const client = new AgentPodClient({ baseUrl: 'http://cp.test', token: 't', fetch });
    const got = [];
    for await (const line of client.pods.followLogs(POD_ID, { signal: stop.signal })) {
      got.push(line);
      if (got.length === lines.length) setTimeout(() => stop.abort(), 0);
    }
    expect(got).toEqual(lines);
  });
});
