import { resolve } from 'node:path';
import { z } from 'zod';
import { StartupError } from './errors.js';
import { detectHostAddress, sslipDomain } from './host-address.js';

const DOMAIN = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const HOUR_MS = 3_600_000;
const port = () => z.coerce.number().int().min(1).max(65_535);

/** The proxy image AgentPod runs itself (AGENTPOD_PROXY=managed); pinned like agent images. */
export const DEFAULT_PROXY_IMAGE = 'caddy:2.10.2';

/**
 * The only module that reads the environment. Everything else receives a `Config`.
 * Every setting has an embedded default, so `agentpod server` runs with none set.
 */
const EnvSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  AGENTPOD_DATA_DIR: z.string().min(1).default('./data'),
  AGENTPOD_HOST: z.string().min(1).default('127.0.0.1'),
  AGENTPOD_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  AGENTPOD_BASE_DOMAIN: z.string().regex(DOMAIN, 'must be a lowercase domain name').optional(),
  AGENTPOD_PUBLIC_IP: z.ipv4().optional(),
  AGENTPOD_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  DOCKER_HOST: z.string().min(1).default('unix:///var/run/docker.sock'),
  DOCKER_TLS_VERIFY: z.string().optional(),
  DOCKER_CERT_PATH: z.string().optional(),
  AGENTPOD_DOCKER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  AGENTPOD_SECRET_KEY: z.string().optional(),
  AGENTPOD_RESYNC_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
  // Pods reconciled at once (controller-runtime's MaxConcurrentReconciles).
  AGENTPOD_RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  AGENTPOD_LEADER_KEEPALIVE_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  AGENTPOD_LEADER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  AGENTPOD_LEADER_RETRY_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  AGENTPOD_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(15_000),
  AGENTPOD_POD_SUBNET_POOL: z.string().default('10.213.0.0/16'),
  // The size of the installation's one pod network's subnet (a /20 has 4,093 addresses; the
  // bridge holds at most 1,023 containers whatever its size: see runtime/errors.ts).
  AGENTPOD_POD_NETWORK_PREFIX: z.coerce.number().int().min(16).max(28).default(20),
  // Pods had a network each, of this size, before the shared pod network (migration 0007):
  // read only to say that it is no longer used.
  AGENTPOD_POD_SUBNET_PREFIX: z.string().optional(),
  AGENTPOD_PUBLIC_SCHEME: z.enum(['https', 'http']).default('https'),
  AGENTPOD_PUBLIC_PORT: port().optional(),
  AGENTPOD_PROXY: z.enum(['managed', 'caddy', 'traefik', 'none']).optional(),
  AGENTPOD_PROXY_IMAGE: z.string().min(1).default(DEFAULT_PROXY_IMAGE),
  AGENTPOD_PROXY_HTTPS_PORT: port().default(443),
  AGENTPOD_PROXY_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(80),
  AGENTPOD_PROXY_ADMIN_PORT: port().default(2019),
  AGENTPOD_PROXY_TLS: z.enum(['auto', 'internal', 'acme']).default('auto'),
  AGENTPOD_PROXY_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  AGENTPOD_TRAEFIK_CERT_RESOLVER: z.string().min(1).default('letsencrypt'),
  AGENTPOD_TRAEFIK_TLS: z.enum(['per-host', 'wildcard']).default('per-host'),
  AGENTPOD_CADDY_ADMIN_URL: z.url().optional(),
  AGENTPOD_ACME_EMAIL: z.email().optional(),
  AGENTPOD_PULL_BACKOFF_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  // Crash-loop back-off: 10 s doubling to 5 min (kubelet's), forgiven after twice the cap.
  AGENTPOD_CRASH_BACKOFF_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  AGENTPOD_CRASH_BACKOFF_MAX_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
  // Unset: each agent type's own steady interval (30 s, Docker's HEALTHCHECK default).
  AGENTPOD_PROBE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).optional(),
  // 30 s: Prometheus scrapes every minute by default, metrics-server every 15-60 s. Each reading
  // costs the control plane ~0.1-0.3 ms of CPU; at a thousand pods, 10 s was 1-3% of a core.
  AGENTPOD_STATS_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  // At most this many probes, and stats readings, a second on average: past 300 running pods
  // (probes) and 150 (readings) at 30 s the steady interval grows with the fleet (1,000 pods:
  // probes every 100 s, readings every 200 s), so an idle control plane's CPU stays bounded
  // (docs/performance.md, P3), as Nomad's max_heartbeats_per_second bounds its heartbeats. 10
  // probes a second is what a kubelet does at its defaults (110 pods, a probe every 10 s); at
  // 20, probes were most of the idle CPU at 1,000 pods (1.4% of a core). Readings get the lower
  // cap: a chart can wait (every 200 s still fills each 5-minute rollup), a hung agent should not.
  AGENTPOD_PROBES_PER_SECOND: z.coerce.number().min(0.01).max(100_000).default(10),
  AGENTPOD_STATS_READINGS_PER_SECOND: z.coerce.number().min(0.01).max(100_000).default(5),
  AGENTPOD_STATS_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  AGENTPOD_STATS_RAW_HOURS: z.coerce.number().min(1).max(168).default(6),
  AGENTPOD_STATS_RETENTION_DAYS: z.coerce.number().min(1).max(3_650).default(7),
  AGENTPOD_EVENT_RETENTION_DAYS: z.coerce.number().min(1).max(3_650).default(30),
  AGENTPOD_AUDIT_RETENTION_DAYS: z.coerce.number().min(1).max(3_650).default(90),
  /** Refused credentials per client address and minute before it is answered 429. */
  AGENTPOD_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
  AGENTPOD_CONSOLE_SUBDOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be a DNS label')
    .default('console'),
  AGENTPOD_CONSOLE_UPSTREAM: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  AGENTPOD_ADMIN_EMAIL: z.email().optional(),
  AGENTPOD_ADMIN_PASSWORD: z.string().min(12, 'must have at least 12 characters').optional(),
  AGENTPOD_SWEEP_GRACE_MS: z.coerce.number().int().min(0).default(300_000),
  AGENTPOD_SWEEP_DRY_RUN: z.enum(['true', 'false']).default('false'),
  AGENTPOD_NETWORK_POLICY: z.enum(['auto', 'enforce', 'off']).default('auto'),
  // Docker's json-file rotation for every container AgentPod creates (its size syntax).
  AGENTPOD_LOG_MAX_SIZE: z
    .string()
    .regex(/^[1-9][0-9]*[kmg]$/, 'must be a size like 10m (a number and k, m or g)')
    .default('10m'),
  AGENTPOD_LOG_MAX_FILES: z.coerce.number().int().min(1).max(100).default(3),
  /** State-volume disk usage: a DiskUsageHigh warning past this many MiB. */
  AGENTPOD_VOLUME_ALERT_MB: z.coerce.number().int().min(1).default(5120),
  AGENTPOD_VOLUME_CHECK_INTERVAL_MS: z.coerce.number().int().min(1_000).default(300_000),
});

/** Certificates: Caddy's own local CA, or a public ACME CA (Let's Encrypt) for a real domain. */
export type ProxyTls = { issuer: 'internal' } | { issuer: 'acme'; email: string };

/**
 * Who routes `<subdomain>.<base domain>` to the pods: a Caddy container AgentPod runs and
 * reconciles itself (the default), an operator's Caddy (admin API), an operator's Traefik (which
 * polls the HTTP-provider endpoint), or nobody.
 */
export type ProxyConfig =
  | {
      mode: 'managed';
      image: string;
      httpsPort: number;
      /** 0: no HTTP listener (no redirects, no ACME HTTP challenge). */
      httpPort: number;
      /** Caddy's admin API, on the host's loopback only. */
      adminPort: number;
      tls: ProxyTls;
    }
  | { mode: 'caddy'; adminUrl: string; httpsPort: number; httpPort: number; tls: ProxyTls }
  | { mode: 'traefik' }
  | { mode: 'none' };

export interface Config {
  /** PostgreSQL URL; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  listen: { host: string; port: number };
  baseDomain: string;
  /** Where the base domain came from: set, derived from the host's address, or the fallback. */
  baseDomainSource: 'setting' | 'host-address' | 'fallback';
  logLevel: z.infer<typeof EnvSchema>['AGENTPOD_LOG_LEVEL'];
  docker: { host: string; certDir: string | undefined; timeoutMs: number };
  /** Base64 32-byte key; unset means `<dataDir>/secret.key`. */
  secretKey: string | undefined;
  resyncIntervalMs: number;
  /** Pods the reconciler works on at once. */
  reconcileConcurrency: number;
  /** The health probes' steady interval for every agent type; unset: each adapter's own. */
  probeIntervalMs: number | undefined;
  /** At most this many steady probes a second: a larger fleet is probed less often. */
  probesPerSecond: number;
  /**
   * Reconciler leadership: the lock connection proves it still holds the lock every keepaliveMs
   * (a proof slower than timeoutMs is a loss); a standby tries for the lock every retryMs.
   */
  leader: { keepaliveMs: number; timeoutMs: number; retryMs: number };
  /** SIGTERM: how long in-flight work may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** The installation's pod network: a subnet of `prefix` from `pool`, clear of other networks. */
  podNetwork: { pool: string; prefix: number };
  /** Settings that are set but no longer do anything: logged at start, never fatal. */
  notices: string[];
  /** How users reach pods: `<scheme>://<subdomain>.<baseDomain>[:port]`. */
  publicUrl: { scheme: 'https' | 'http'; port: number | undefined };
  /** Adapter id -> image, from AGENTPOD_IMAGE_<ADAPTER> (e.g. AGENTPOD_IMAGE_OPENCLAW). */
  imageOverrides: Record<string, string>;
  traefik: {
    providerToken: string | undefined;
    certResolver: string;
    tls: 'per-host' | 'wildcard';
  };
  proxy: ProxyConfig;
  sweeper: { graceMs: number; dryRun: boolean };
  /** First delay after a failed pull; it doubles per attempt, up to five minutes. */
  pullBackoffMs: number;
  /** Restarts of a crash-looping pod: base doubling to max (reconciler/crash-loop.ts). */
  crashBackOff: { baseMs: number; maxMs: number };
  /** The dashboard, served through the proxy at `<subdomain>.<base domain>`. */
  console: { subdomain: string; upstream: string | undefined };
  /** The first operator account, made at start when none exists (else the setup page). */
  firstAdmin: { email: string; password: string } | undefined;
  stats: {
    intervalMs: number;
    /** At most this many readings a second: a larger fleet is read less often. */
    readingsPerSecond: number;
    /** Stats calls in flight at once: the daemon answers each on its next 1 s tick. */
    concurrency: number;
    rawRetentionMs: number;
    rollupRetentionMs: number;
  };
  eventRetentionMs: number;
  /**
   * iptables rules that keep pods off the host, the LAN and cloud metadata (network/).
   * `auto`: enforce when iptables answers on the host that runs the pods, else off with a warning.
   */
  networkPolicy: 'auto' | 'enforce' | 'off';
  auditRetentionMs: number;
  /** Refused credentials per client address and window before it is answered 429. */
  authFailureLimit: { max: number; windowMs: number };
  /** json-file log rotation of pods and the managed proxy. */
  containerLogs: { maxSize: string; maxFiles: number };
  /** The state volumes' disk usage: measured every intervalMs, a warning past alertBytes. */
  volumeUsage: { intervalMs: number; alertBytes: number };
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  { hostAddress = detectHostAddress }: { hostAddress?: () => string | undefined } = {},
): Config {
  // An empty variable means "unset", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    // Never echo a secret's value into a log line.
    const got = /PASSWORD|SECRET|TOKEN|KEY/.test(name)
      ? ''
      : ` (got ${JSON.stringify(present[name])})`;
    throw new StartupError('config_invalid', `${name} ${issue?.message ?? 'is invalid'}${got}`);
  }
  const e = parsed.data;
  const tls = e.DOCKER_TLS_VERIFY !== undefined && e.DOCKER_TLS_VERIFY !== '0';
  const address = e.AGENTPOD_BASE_DOMAIN ? undefined : (e.AGENTPOD_PUBLIC_IP ?? hostAddress());
  const proxy = proxyConfig(e);
  const proxyPort = 'httpsPort' in proxy ? proxy.httpsPort : undefined;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.AGENTPOD_DATA_DIR),
    listen: { host: e.AGENTPOD_HOST, port: e.AGENTPOD_PORT },
    baseDomain: e.AGENTPOD_BASE_DOMAIN ?? (address ? sslipDomain(address) : 'agents.localhost'),
    baseDomainSource: e.AGENTPOD_BASE_DOMAIN ? 'setting' : address ? 'host-address' : 'fallback',
    logLevel: e.AGENTPOD_LOG_LEVEL,
    docker: {
      host: e.DOCKER_HOST,
      certDir: tls ? (e.DOCKER_CERT_PATH ?? resolve(env.HOME ?? '.', '.docker')) : undefined,
      timeoutMs: e.AGENTPOD_DOCKER_TIMEOUT_MS,
    },
    secretKey: e.AGENTPOD_SECRET_KEY,
    resyncIntervalMs: e.AGENTPOD_RESYNC_INTERVAL_MS,
    reconcileConcurrency: e.AGENTPOD_RECONCILE_CONCURRENCY,
    probeIntervalMs: e.AGENTPOD_PROBE_INTERVAL_MS,
    probesPerSecond: e.AGENTPOD_PROBES_PER_SECOND,
    leader: {
      keepaliveMs: e.AGENTPOD_LEADER_KEEPALIVE_MS,
      timeoutMs: e.AGENTPOD_LEADER_TIMEOUT_MS,
      retryMs: e.AGENTPOD_LEADER_RETRY_MS,
    },
    shutdownTimeoutMs: e.AGENTPOD_SHUTDOWN_TIMEOUT_MS,
    podNetwork: { pool: e.AGENTPOD_POD_SUBNET_POOL, prefix: e.AGENTPOD_POD_NETWORK_PREFIX },
    notices: e.AGENTPOD_POD_SUBNET_PREFIX
      ? [
          'AGENTPOD_POD_SUBNET_PREFIX is no longer used: pods share one network per installation, sized by AGENTPOD_POD_NETWORK_PREFIX (default 20)',
        ]
      : [],
    publicUrl: {
      scheme: e.AGENTPOD_PUBLIC_SCHEME,
      // Users reach pods through the proxy: its port is theirs unless it is the default one.
      port: e.AGENTPOD_PUBLIC_PORT ?? (proxyPort !== 443 ? proxyPort : undefined),
    },
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
    proxy,
    sweeper: { graceMs: e.AGENTPOD_SWEEP_GRACE_MS, dryRun: e.AGENTPOD_SWEEP_DRY_RUN === 'true' },
    pullBackoffMs: e.AGENTPOD_PULL_BACKOFF_MS,
    crashBackOff: {
      baseMs: e.AGENTPOD_CRASH_BACKOFF_MS,
      maxMs: Math.max(e.AGENTPOD_CRASH_BACKOFF_MAX_MS, e.AGENTPOD_CRASH_BACKOFF_MS),
    },
    console: { subdomain: e.AGENTPOD_CONSOLE_SUBDOMAIN, upstream: e.AGENTPOD_CONSOLE_UPSTREAM },
    firstAdmin:
      e.AGENTPOD_ADMIN_EMAIL && e.AGENTPOD_ADMIN_PASSWORD
        ? { email: e.AGENTPOD_ADMIN_EMAIL, password: e.AGENTPOD_ADMIN_PASSWORD }
        : undefined,
    stats: {
      intervalMs: e.AGENTPOD_STATS_INTERVAL_MS,
      readingsPerSecond: e.AGENTPOD_STATS_READINGS_PER_SECOND,
      concurrency: e.AGENTPOD_STATS_CONCURRENCY,
      rawRetentionMs: e.AGENTPOD_STATS_RAW_HOURS * HOUR_MS,
      rollupRetentionMs: e.AGENTPOD_STATS_RETENTION_DAYS * 24 * HOUR_MS,
    },
    eventRetentionMs: e.AGENTPOD_EVENT_RETENTION_DAYS * 24 * HOUR_MS,
    networkPolicy: e.AGENTPOD_NETWORK_POLICY,
    auditRetentionMs: e.AGENTPOD_AUDIT_RETENTION_DAYS * 24 * HOUR_MS,
    authFailureLimit: { max: e.AGENTPOD_AUTH_FAILURES_PER_MINUTE, windowMs: 60_000 },
    containerLogs: { maxSize: e.AGENTPOD_LOG_MAX_SIZE, maxFiles: e.AGENTPOD_LOG_MAX_FILES },
    volumeUsage: {
      intervalMs: e.AGENTPOD_VOLUME_CHECK_INTERVAL_MS,
      alertBytes: e.AGENTPOD_VOLUME_ALERT_MB * 1024 * 1024,
    },
  };
}

type Env = z.infer<typeof EnvSchema>;

function proxyConfig(e: Env): ProxyConfig {
  // An operator's Caddy admin URL alone means "use that Caddy", as before there was a choice.
  const mode = e.AGENTPOD_PROXY ?? (e.AGENTPOD_CADDY_ADMIN_URL ? 'caddy' : 'managed');
  const invalid = (message: string) => new StartupError('config_invalid', message);
  switch (mode) {
    case 'none':
      return { mode };
    case 'traefik':
      if (!e.AGENTPOD_PROXY_TOKEN) {
        throw invalid(
          'AGENTPOD_PROXY=traefik needs AGENTPOD_PROXY_TOKEN, the token Traefik sends to the provider endpoint',
        );
      }
      return { mode };
    case 'caddy':
      if (!e.AGENTPOD_CADDY_ADMIN_URL) {
        throw invalid(
          'AGENTPOD_PROXY=caddy needs AGENTPOD_CADDY_ADMIN_URL, the address of its admin API',
        );
      }
      return {
        mode,
        adminUrl: e.AGENTPOD_CADDY_ADMIN_URL,
        httpsPort: e.AGENTPOD_PROXY_HTTPS_PORT,
        // An operator's Caddy keeps its own HTTP listener, if any.
        httpPort: 0,
        tls: proxyTls(e),
      };
    case 'managed':
      return {
        mode,
        image: e.AGENTPOD_PROXY_IMAGE,
        httpsPort: e.AGENTPOD_PROXY_HTTPS_PORT,
        httpPort: e.AGENTPOD_PROXY_HTTP_PORT,
        adminPort: e.AGENTPOD_PROXY_ADMIN_PORT,
        tls: proxyTls(e),
      };
  }
}

/** `auto`: a public CA only for a real domain with a contact address, else Caddy's own CA. */
function proxyTls(e: Env): ProxyTls {
  const choice = e.AGENTPOD_PROXY_TLS;
  if (choice === 'internal') return { issuer: 'internal' };
  if (e.AGENTPOD_ACME_EMAIL && (choice === 'acme' || e.AGENTPOD_BASE_DOMAIN)) {
    return { issuer: 'acme', email: e.AGENTPOD_ACME_EMAIL };
  }
  if (choice === 'acme') {
    throw new StartupError('config_invalid', 'AGENTPOD_PROXY_TLS=acme needs AGENTPOD_ACME_EMAIL');
  }
  return { issuer: 'internal' };
}
