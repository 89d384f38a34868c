// Traefik documents, pure. Production Traefik polls the control plane's HTTP provider endpoint
// for the dynamic document (one router + one service per route); the static document says where
// that endpoint is and how certificates are obtained.
import type { Route } from './routes.js';

export interface TraefikDynamicOptions {
  /** The entry point the routers listen on; the static config below names it `websecure`. */
  entryPoint?: string;
  certResolver: string;
  /** `wildcard`: one `*.baseDomain` certificate for every pod (needs the DNS challenge). */
  tls: { mode: 'wildcard'; baseDomain: string } | { mode: 'per-host' };
}

export interface TraefikRouter {
  entryPoints: string[];
  rule: string;
  service: string;
  tls: { certResolver: string; domains?: { main: string; sans: string[] }[] };
}

export interface TraefikService {
  loadBalancer: { servers: { url: string }[]; passHostHeader: boolean };
}

export interface TraefikDynamicConfig {
  http: { routers: Record<string, TraefikRouter>; services: Record<string, TraefikService> };
}

// Host names come from validated subdomains; this guard keeps a bad one from ever being spliced
// into a rule expression (a backtick would end the string literal inside `Host(...)`).
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * The dynamic configuration for Traefik's HTTP provider. Router and service names are the pod
 * id, so a route keeps its name across renders and Traefik updates it in place. WebSocket needs
 * no middleware: Traefik forwards upgrades as is.
 */
export function renderTraefikDynamicConfig(
  routes: Route[],
  opts: TraefikDynamicOptions,
): TraefikDynamicConfig {
  const entryPoint = opts.entryPoint ?? 'websecure';
  const tls: TraefikRouter['tls'] =
    opts.tls.mode === 'wildcard'
      ? {
          certResolver: opts.certResolver,
          // The same domains on every router: Traefik asks for the wildcard certificate once.
          domains: [{ main: opts.tls.baseDomain, sans: [`*.${opts.tls.baseDomain}`] }],
        }
      : { certResolver: opts.certResolver };
  const routers: Record<string, TraefikRouter> = {};
  const services: Record<string, TraefikService> = {};
  for (const route of routes) {
    if (!HOST_NAME.test(route.host)) throw new Error(`Not a host name: ${route.host}`);
    const name = route.podId;
    routers[name] = {
      entryPoints: [entryPoint],
      rule: `Host(\`${route.host}\`)`,
      service: name,
      tls,
    };
    services[name] = {
      loadBalancer: { servers: [{ url: upstreamUrl(route) }], passHostHeader: true },
    };
  }
  return { http: { routers, services } };
}

function upstreamUrl({ upstream }: Route): string {
  const host = upstream.address.includes(':') ? `[${upstream.address}]` : upstream.address;
  return `http://${host}:${upstream.port}`;
}

export interface TraefikStaticOptions {
  /** The control plane's provider endpoint, e.g. http://127.0.0.1:8080/api/v1/proxy/traefik. */
  providerUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every poll. */
  providerToken?: string;
  acmeEmail: string;
  certResolver: string;
  /** `dns` is required for wildcard certificates; `http` needs port 80 reachable. */
  challenge: 'dns' | 'http';
  /** A lego provider code (e.g. `cloudflare`); its credentials come from Traefik's environment. */
  dnsProvider?: string;
}

/** Where the ACME account and certificates live inside the Traefik container. */
export const TRAEFIK_ACME_DIR = '/acme';

/** Traefik's static configuration: entry points, the HTTP provider and the ACME resolver. */
export function traefikStaticConfig(opts: TraefikStaticOptions) {
  if (opts.challenge === 'dns' && !opts.dnsProvider) {
    throw new Error('The DNS challenge needs a dnsProvider');
  }
  const challenge =
    opts.challenge === 'dns'
      ? { dnsChallenge: { provider: opts.dnsProvider ?? '' } }
      : { httpChallenge: { entryPoint: 'web' } };
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    log: { level: 'INFO' },
    entryPoints: {
      // Traefik answers ACME HTTP challenges on `web` before this redirect applies.
      web: {
        address: ':80',
        http: {
          redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } },
        },
      },
      websecure: { address: ':443' },
    },
    providers: {
      http: {
        endpoint: opts.providerUrl,
        pollInterval: '5s',
        ...(opts.providerToken
          ? { headers: { Authorization: `Bearer ${opts.providerToken}` } }
          : {}),
      },
    },
    certificatesResolvers: {
      [opts.certResolver]: {
        acme: { email: opts.acmeEmail, storage: `${TRAEFIK_ACME_DIR}/acme.json`, ...challenge },
      },
    },
  };
}

/**
 * The static configuration as Traefik command-line flags (`--a.b.c=value`). Traefik reads its
 * static configuration from exactly one source and never expands environment variables in a
 * file, so flags are how Compose can interpolate the email and token into it.
 */
export function traefikCommandLine(config: object): string[] {
  const flags: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) throw new Error(`${path}: lists have no flag form here`);
    if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('.') || key.includes('=')) throw new Error(`${path}: bad key "${key}"`);
        walk(child, path ? `${path}.${key}` : key);
      }
      return;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      flags.push(`--${path}=${value}`);
      return;
    }
    throw new Error(`${path}: unsupported value ${String(value)}`);
  };
  walk(config, '');
  return flags;
}
