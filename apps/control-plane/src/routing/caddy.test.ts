import { describe, expect, it } from 'vitest';
import { type CaddyOptions, renderCaddyConfig } from './caddy.js';
import type { Route } from './routes.js';

const routes: Route[] = [
  {
    podId: 'pod_a',
    tenantId: 'ten_1',
    host: 'alice.agents.test',
    upstream: { address: '10.213.0.2', port: 8080 },
  },
  {
    podId: 'pod_b',
    tenantId: 'ten_1',
    host: 'bob.agents.test',
    upstream: { address: '10.213.0.18', port: 18789 },
  },
];
const internal: CaddyOptions = {
  adminListen: '127.0.0.1:2019',
  httpsPort: 443,
  httpPort: 0,
  tls: { issuer: 'internal' },
};

describe('renderCaddyConfig', () => {
  it('sends each host to its pod and issues certificates for exactly those hosts', () => {
    const config = renderCaddyConfig(routes, internal);
    const server = config.apps.http.servers.srv0;
    expect(server.listen).toEqual([':443']);
    expect(server.routes.map((r) => [r.match[0]?.host, r.handle[0]?.upstreams])).toEqual([
      [['alice.agents.test'], [{ dial: '10.213.0.2:8080' }]],
      [['bob.agents.test'], [{ dial: '10.213.0.18:18789' }]],
    ]);
    expect(config.apps.tls.automation.policies).toEqual([
      { subjects: ['alice.agents.test', 'bob.agents.test'], issuers: [{ module: 'internal' }] },
    ]);
    expect(config.apps.pki?.certificate_authorities.local.install_trust).toBe(false);
  });

  it('has no HTTP listener or redirects when the HTTP port is 0', () => {
    const config = renderCaddyConfig(routes, internal);
    expect(config.apps.http).not.toHaveProperty('http_port');
    expect(config.apps.http.servers.srv0).toHaveProperty('automatic_https.disable_redirects', true);

    const withHttp = renderCaddyConfig(routes, {
      ...internal,
      httpPort: 80,
      listenHost: '10.0.0.1',
    });
    expect(withHttp.apps.http).toHaveProperty('http_port', 80);
    expect(withHttp.apps.http.servers.srv0).not.toHaveProperty('automatic_https');
    expect(withHttp.apps.http.servers.srv0.listen).toEqual(['10.0.0.1:443']);
  });

  it('stays a TLS server with no routes', () => {
    const config = renderCaddyConfig([], internal);
    expect(config.apps.http.servers.srv0.routes).toEqual([]);
    expect(config.apps.http.servers.srv0.tls_connection_policies).toEqual([{}]);
    expect(config.apps.tls.automation.policies).toEqual([]);
  });

  it('uses ACME with the given email, and leaves the local CA alone', () => {
    const config = renderCaddyConfig(routes, {
      ...internal,
      tls: { issuer: 'acme', email: 'ops@example.com' },
    });
    expect(config.apps.tls.automation.policies[0]?.issuers).toEqual([
      { module: 'acme', email: 'ops@example.com' },
    ]);
    expect(config.apps).not.toHaveProperty('pki');
  });
});
