import { resolve } from 'node:path';
import { z } from 'zod';
import { StartupError } from './errors.js';

/**
 * The only module that reads the environment. Everything else receives a `Config`.
 * Every setting has an embedded default, so `agentpod server` runs with none set.
 */
const EnvSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  AGENTPOD_DATA_DIR: z.string().min(1).default('./data'),
  AGENTPOD_HOST: z.string().min(1).default('127.0.0.1'),
  AGENTPOD_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  AGENTPOD_BASE_DOMAIN: z
    .string()
    .regex(
      /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
      'must be a lowercase domain name',
    )
    .default('agents.localhost'),
  AGENTPOD_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  DOCKER_HOST: z.string().min(1).default('unix:///var/run/docker.sock'),
  DOCKER_TLS_VERIFY: z.string().optional(),
  DOCKER_CERT_PATH: z.string().optional(),
  AGENTPOD_DOCKER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  AGENTPOD_SECRET_KEY: z.string().optional(),
  AGENTPOD_RESYNC_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
  AGENTPOD_POD_SUBNET_POOL: z.string().default('10.213.0.0/16'),
  AGENTPOD_POD_SUBNET_PREFIX: z.coerce.number().int().min(16).max(29).default(28),
  AGENTPOD_PUBLIC_SCHEME: z.enum(['https', 'http']).default('https'),
  AGENTPOD_PUBLIC_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  AGENTPOD_PROXY_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  AGENTPOD_TRAEFIK_CERT_RESOLVER: z.string().min(1).default('letsencrypt'),
  AGENTPOD_TRAEFIK_TLS: z.enum(['per-host', 'wildcard']).default('per-host'),
  AGENTPOD_CADDY_ADMIN_URL: z.url().optional(),
  AGENTPOD_CADDY_HTTPS_PORT: z.coerce.number().int().min(1).max(65_535).default(443),
  AGENTPOD_CADDY_TLS: z.enum(['internal', 'acme']).default('internal'),
  AGENTPOD_ACME_EMAIL: z.email().optional(),
  AGENTPOD_SWEEP_GRACE_MS: z.coerce.number().int().min(0).default(300_000),
  AGENTPOD_SWEEP_DRY_RUN: z.enum(['true', 'false']).default('false'),
});

export interface Config {
  /** PostgreSQL URL; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  listen: { host: string; port: number };
  baseDomain: string;
  logLevel: z.infer<typeof EnvSchema>['AGENTPOD_LOG_LEVEL'];
  docker: { host: string; certDir: string | undefined; timeoutMs: number };
  /** Base64 32-byte key; unset means `<dataDir>/secret.key`. */
  secretKey: string | undefined;
  resyncIntervalMs: number;
  podSubnets: { pool: string; prefix: number };
  /** How users reach pods: `<scheme>://<subdomain>.<baseDomain>[:port]`. */
  publicUrl: { scheme: 'https' | 'http'; port: number | undefined };
  /** Adapter id -> image, from AGENTPOD_IMAGE_<ADAPTER> (e.g. AGENTPOD_IMAGE_OPENCLAW). */
  imageOverrides: Record<string, string>;
  traefik: {
    providerToken: string | undefined;
    certResolver: string;
    tls: 'per-host' | 'wildcard';
  };
  /** Set when AgentPod pushes routes to a Caddy admin API. */
  caddy:
    | {
        adminUrl: string;
        httpsPort: number;
        tls: 'internal' | 'acme';
        acmeEmail: string | undefined;
      }
    | undefined;
  sweeper: { graceMs: number; dryRun: boolean };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new StartupError(
      'config_invalid',
      `${name} ${issue?.message ?? 'is invalid'} (got ${JSON.stringify(present[name])})`,
    );
  }
  const e = parsed.data;
  const tls = e.DOCKER_TLS_VERIFY !== undefined && e.DOCKER_TLS_VERIFY !== '0';
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.AGENTPOD_DATA_DIR),
    listen: { host: e.AGENTPOD_HOST, port: e.AGENTPOD_PORT },
    baseDomain: e.AGENTPOD_BASE_DOMAIN,
    logLevel: e.AGENTPOD_LOG_LEVEL,
    docker: {
      host: e.DOCKER_HOST,
      certDir: tls ? (e.DOCKER_CERT_PATH ?? resolve(env.HOME ?? '.', '.docker')) : undefined,
      timeoutMs: e.AGENTPOD_DOCKER_TIMEOUT_MS,
    },
    secretKey: e.AGENTPOD_SECRET_KEY,
    resyncIntervalMs: e.AGENTPOD_RESYNC_INTERVAL_MS,
    podSubnets: { pool: e.AGENTPOD_POD_SUBNET_POOL, prefix: e.AGENTPOD_POD_SUBNET_PREFIX },
    publicUrl: { scheme: e.AGENTPOD_PUBLIC_SCHEME, port: e.AGENTPOD_PUBLIC_PORT },
    imageOverrides: Object.fromEntries(
      Object.entries(present)
        .filter(([k]) => /^AGENTPOD_IMAGE_[A-Z0-9_]+$/.test(k))
        .map(([k, v]) => [
          k.slice('AGENTPOD_IMAGE_'.length).toLowerCase().replaceAll('_', '-'),
          v as string,
        ]),
    ),
    traefik: {
      providerToken: e.AGENTPOD_PROXY_TOKEN,
      certResolver: e.AGENTPOD_TRAEFIK_CERT_RESOLVER,
      tls: e.AGENTPOD_TRAEFIK_TLS,
    },
    caddy: e.AGENTPOD_CADDY_ADMIN_URL
      ? {
          adminUrl: e.AGENTPOD_CADDY_ADMIN_URL,
          httpsPort: e.AGENTPOD_CADDY_HTTPS_PORT,
          tls: e.AGENTPOD_CADDY_TLS,
          acmeEmail: e.AGENTPOD_ACME_EMAIL,
        }
      : undefined,
    sweeper: { graceMs: e.AGENTPOD_SWEEP_GRACE_MS, dryRun: e.AGENTPOD_SWEEP_DRY_RUN === 'true' },
  };
}
