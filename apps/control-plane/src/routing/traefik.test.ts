import { describe, expect, it } from 'vitest';
import type { Route } from './routes.js';
import { schemaValidator } from './testing.js';
import {
  renderTraefikDynamicConfig,
  type TraefikDynamicOptions,
  traefikCommandLine,
  traefikStaticConfig,
} from './traefik.js';

const assertDynamic = schemaValidator('traefik-v3-dynamic.schema.json');
const assertStatic = schemaValidator('traefik-v3-static.schema.json');

function route(n: number, host: string): Route {
  return {
    podId: `pod_${String(n).padStart(20, '0')}`,
    tenantId: 'ten_00000000000000000001',
    host,
    upstream: { address: `10.213.${n}.2`, port: 18789 },
  };
}

const alice = route(1, 'alice.agents.example.com');
const many = Array.from({ length: 25 }, (_, i) => route(i + 2, `t${i}.agents.example.com`));
const wildcard: TraefikDynamicOptions = {
  certResolver: 'letsencrypt',
  tls: { mode: 'wildcard', baseDomain: 'agents.example.com' },
};
const perHost: TraefikDynamicOptions = { certResolver: 'letsencrypt', tls: { mode: 'per-host' } };

describe('renderTraefikDynamicConfig', () => {
  const fixtures: [string, Route[], TraefikDynamicOptions][] = [
    ['no routes, wildcard', [], wildcard],
    ['no routes, per-host', [], perHost],
    ['one route, wildcard', [alice], wildcard],
    ['one route, per-host', [alice], perHost],
    ['many routes, wildcard', many, wildcard],
    ['many routes, per-host, own entry point', many, { ...perHost, entryPoint: 'https' }],
  ];
  it.each(fixtures)('fits the Traefik v3 dynamic schema: %s', (_, routes, opts) => {
    const config = renderTraefikDynamicConfig(routes, opts);
    assertDynamic(config);
    expect(Object.keys(config.http.routers)).toHaveLength(routes.length);
    expect(Object.keys(config.http.services)).toHaveLength(routes.length);
  });

  it('routes the host to the container address under the pod id', () => {
    const config = renderTraefikDynamicConfig([alice], perHost);
    expect(config).toEqual({
      http: {
        routers: {
          [alice.podId]: {
            entryPoints: ['websecure'],
            rule: 'Host(`alice.agents.example.com`)',
            service: alice.podId,
            tls: { certResolver: 'letsencrypt' },
          },
        },
        services: {
          [alice.podId]: {
            loadBalancer: { servers: [{ url: 'http://10.213.1.2:18789' }], passHostHeader: true },
          },
        },
      },
    });
  });

  it('asks for one wildcard certificate in wildcard mode', () => {
    const config = renderTraefikDynamicConfig(many, wildcard);
    const domains = Object.values(config.http.routers).map((r) => r.tls.domains);
    expect(new Set(domains.map((d) => JSON.stringify(d)))).toEqual(
      new Set([JSON.stringify([{ main: 'agents.example.com', sans: ['*.agents.example.com'] }])]),
    );
  });

  it('refuses a host that would break out of the rule', () => {
    const evil = { ...alice, host: 'a.example.com`) || Host(`b.example.com' };
    expect(() => renderTraefikDynamicConfig([evil], perHost)).toThrow(/Not a host name/);
  });

  it('is checked by a schema that can say no', () => {
    const config = renderTraefikDynamicConfig([alice], perHost);
    const router = config.http.routers[alice.podId];
    const broken = { http: { ...config.http, routers: { x: { ...router, service: undefined } } } };
    expect(() => assertDynamic(JSON.parse(JSON.stringify(broken)))).toThrow(/service/);
  });
});

describe('traefikStaticConfig', () => {
  const base = {
    providerUrl: 'http://127.0.0.1:8080/api/v1/proxy/traefik',
    acmeEmail: 'ops@example.com',
    certResolver: 'letsencrypt',
  };

  it('fits the Traefik v3 static schema with either challenge', () => {
    assertStatic(traefikStaticConfig({ ...base, providerToken: 'secret', challenge: 'http' }));
    assertStatic(traefikStaticConfig({ ...base, challenge: 'dns', dnsProvider: 'cloudflare' }));
  });

  it('sends the provider token as a bearer token, and no header without one', () => {
    const withToken = traefikStaticConfig({ ...base, providerToken: 's3', challenge: 'http' });
    expect(withToken.providers.http).toEqual({
      endpoint: base.providerUrl,
      pollInterval: '5s',
      headers: { Authorization: 'Bearer s3' },
    });
    const without = traefikStaticConfig({ ...base, challenge: 'http' });
    expect(without.providers.http).not.toHaveProperty('headers');
  });

  it('redirects web to websecure and stores ACME state in the volume', () => {
    const config = traefikStaticConfig({ ...base, challenge: 'dns', dnsProvider: 'cloudflare' });
    expect(config.entryPoints.web.http.redirections.entryPoint.to).toBe('websecure');
    expect(config.certificatesResolvers.letsencrypt).toEqual({
      acme: {
        email: 'ops@example.com',
        storage: '/acme/acme.json',
        dnsChallenge: { provider: 'cloudflare' },
      },
    });
  });

  it('is checked by a schema that can say no', () => {
    expect(() => assertStatic({ providers: { http: { pollInterval: '5s' } } })).toThrow(/endpoint/);
  });

  it('refuses the DNS challenge without a provider', () => {
    expect(() => traefikStaticConfig({ ...base, challenge: 'dns' })).toThrow(/dnsProvider/);
  });
});

describe('traefikCommandLine', () => {
  it('flattens the static config into Traefik flags', () => {
    const flags = traefikCommandLine(
      traefikStaticConfig({ ...base(), providerToken: 'a b', challenge: 'http' }),
    );
    expect(flags).toContain('--providers.http.headers.Authorization=Bearer a b');
    expect(flags).toContain('--entryPoints.web.http.redirections.entryPoint.permanent=true');
    expect(flags).toContain('--certificatesResolvers.le.acme.httpChallenge.entryPoint=web');
    expect(flags.every((f) => /^--[A-Za-z0-9.]+=/.test(f))).toBe(true);
  });

  it('refuses shapes that have no unambiguous flag form', () => {
    expect(() => traefikCommandLine({ a: ['x'] })).toThrow(/lists/);
    expect(() => traefikCommandLine({ 'a.b': 'x' })).toThrow(/bad key/);
  });

  function base() {
    return {
      providerUrl: 'http://127.0.0.1:8080/p',
      acmeEmail: 'ops@example.com',
      certResolver: 'le',
    };
  }
});
