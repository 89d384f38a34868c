// Operator accounts on the real stack (a control plane in this process on PostgreSQL): the
// first-run setup, sign-in with better-auth, sessions as bearer tokens for the API, the sign-in
// rate limit, sign-out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../e2e/testing.js';

let cp: InProcessControlPlane;
const EMAIL = 'ops@agentpod.test';
const PASSWORD = 'a long enough password';

function signIn(password: string, client = '192.0.2.10') {
  return fetch(`${cp.server.url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify({ email: EMAIL, password }),
  });
}

function withSession(token: string, path: string, init: RequestInit = {}) {
  return fetch(`${cp.server.url}${path}`, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${token}` },
  });
}

beforeAll(async () => {
  cp = await InProcessControlPlane.startFresh({ AGENTPOD_BASE_DOMAIN: 'operators.test' });
});

afterAll(async () => {
  await cp?.close();
});

describe('operator accounts', () => {
  it('makes the first admin once, with a long enough password, and refuses a second setup', async () => {
    expect(await cp.api('GET', '/setup')).toEqual({ status: 200, body: { needsFirstAdmin: true } });
    const short = await cp.api<{ code: string }>('POST', '/setup', {
      email: EMAIL,
      password: 'short',
    });
    expect(short.status).toBe(400);
    expect(short.body.code).toBe('validation_failed');
    const made = await cp.api<{ email: string }>('POST', '/setup', {
      email: EMAIL,
      password: PASSWORD,
      name: 'Ops',
    });
    expect(made.status).toBe(201);
    expect(made.body.email).toBe(EMAIL);
    const again = await cp.api<{ code: string }>('POST', '/setup', {
      email: 'someone@agentpod.test',
      password: PASSWORD,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('setup_done');
    expect((await cp.api('GET', '/setup')).body).toEqual({ needsFirstAdmin: false });
  });

  it('signs in with the password; the session is a bearer token for the API; sign-out ends it', async () => {
    const res = await signIn(PASSWORD);
    expect(res.status).toBe(200);
    const token = res.headers.get('set-auth-token') ?? '';
    expect(token).not.toBe('');
    const pods = await withSession(token, '/api/v1/pods');
    expect(pods.status).toBe(200);
    const session = await withSession(token, '/api/auth/get-session');
    expect(((await session.json()) as { user: { email: string } }).user.email).toBe(EMAIL);
    const out = await withSession(token, '/api/auth/sign-out', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    expect((await withSession(token, '/api/v1/pods')).status).toBe(401);
    expect((await withSession('not-a-session-token', '/api/v1/pods')).status).toBe(401);
  });

  it('refuses a wrong password by name, and limits sign-in attempts per client', async () => {
    const wrong = await signIn('not the password', '192.0.2.20');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('INVALID_EMAIL_OR_PASSWORD');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await signIn('not the password', '192.0.2.20')).status);
    expect(statuses).toContain(429);
    // Another client is not limited by the first one's attempts.
    expect((await signIn(PASSWORD, '192.0.2.30')).status).toBe(200);
  });
});
