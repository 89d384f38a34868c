// The proxy in front of the pods, whichever it is: the one AgentPod runs itself (managed), an
// operator's Caddy (pushed through its admin API), an operator's Traefik (which polls the
// provider endpoint) or none. One status for all of them, so that a proxy that stops routing
// is never silent: /readyz and GET /api/v1/proxy say so.
import type { ProxyStatus } from '@agentpod/shared';
import type { ProxyConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { PullPolicy } from '../reconciler/image-policy.js';
import type { ImagePuller } from '../reconciler/image-puller.js';
import type { LeaderTask } from '../reconciler/reconciler.js';
import type { ContainerLogs, DockerHost } from '../runtime/index.js';
import { CaddyAdmin } from './caddy.js';
import { CaddySync } from './caddy-sync.js';
import { ManagedProxy } from './managed-proxy.js';
import type { Route } from './routes.js';

/** Traefik polls every 5 s (docker-compose.yml); three missed polls mean it is gone. */
const TRAEFIK_SILENCE_MS = 30_000;

export interface ReverseProxy {
  /** Started while this control plane leads, with the reconciler. */
  readonly tasks: LeaderTask[];
  /** The routes may have changed: bring the proxy up to date soon. */
  changed(): void;
  status(): ProxyStatus;
  /** Traefik fetched the dynamic configuration (the provider endpoint calls this). */
  polled(routes: number): void;
  /** The root of Caddy's internal CA, for clients to trust; undefined for other proxies. */
  readonly admin: CaddyAdmin | undefined;
}

export interface ProxyDeps {
  docker: DockerHost;
  puller: ImagePuller;
  installationId: string;
  routes: () => Promise<Route[]>;
  logger: Logger;
  /** How the managed proxy's image pull backs off, like a pod's. */
  pullPolicy: PullPolicy;
  /** Log rotation of the managed proxy's container, like the pods'. */
  containerLogs?: ContainerLogs;
  now?: () => number;
}

export function createProxy(config: ProxyConfig, deps: ProxyDeps): ReverseProxy {
  switch (config.mode) {
    case 'none':
      return staticProxy({
        mode: 'none',
        ok: true,
        detail: null,
        routes: null,
        lastSyncedAt: null,
        container: null,
      });
    case 'traefik':
      return traefikProxy(deps.now ?? Date.now);
    case 'caddy':
    case 'managed':
      return caddyProxy(config, deps);
  }
}

function staticProxy(status: ProxyStatus): ReverseProxy {
  return { tasks: [], changed() {}, status: () => status, polled() {}, admin: undefined };
}

function traefikProxy(now: () => number): ReverseProxy {
  let last: { at: number; routes: number } | null = null;
  return {
    tasks: [],
    changed() {},
    polled(routes) {
      last = { at: now(), routes };
    },
    status() {
      const silentFor = last ? now() - last.at : null;
      const ok = silentFor !== null && silentFor < TRAEFIK_SILENCE_MS;
      return {
        mode: 'traefik',
        ok,
        detail: ok
          ? null
          : silentFor === null
            ? 'Traefik has not fetched the routes yet (GET /api/v1/proxy/traefik)'
            : `Traefik has not fetched the routes for ${Math.round(silentFor / 1000)} s`,
        routes: last?.routes ?? null,
        lastSyncedAt: last ? new Date(last.at).toISOString() : null,
        container: null,
      };
    },
    admin: undefined,
  };
}

function caddyProxy(config: Extract<ProxyConfig, { mode: 'caddy' | 'managed' }>, deps: ProxyDeps) {
  const adminUrl =
    config.mode === 'managed' ? `http://127.0.0.1:${config.adminPort}` : config.adminUrl;
  const sync = new CaddySync({
    adminUrl,
    render: { httpsPort: config.httpsPort, httpPort: config.httpPort, tls: config.tls },
    routes: deps.routes,
    verifyIntervalMs: 10_000,
    logger: deps.logger,
  });
  const managed =
    config.mode === 'managed'
      ? new ManagedProxy({
          docker: deps.docker,
          puller: deps.puller,
          installationId: deps.installationId,
          image: config.image,
          httpsPort: config.httpsPort,
          httpPort: config.httpPort,
          adminPort: config.adminPort,
          checkIntervalMs: 10_000,
          logger: deps.logger,
          onStarted: () => sync.schedule(),
          pullPolicy: deps.pullPolicy,
          ...(deps.containerLogs && { containerLogs: deps.containerLogs }),
        })
      : undefined;
  return {
    tasks: managed ? [managed, sync] : [sync],
    changed: () => sync.schedule(),
    polled() {},
    admin: new CaddyAdmin(adminUrl),
    status(): ProxyStatus {
      const health = sync.health;
      const container = managed?.status ?? null;
      const containerDown = container && container.state !== 'running';
      return {
        mode: config.mode,
        ok: health.ok && !containerDown,
        detail: containerDown
          ? `the proxy container ${container.container} is ${container.state}: ${container.lastError ?? 'starting'}`
          : health.ok
            ? null
            : `the proxy is not in sync: ${health.lastError}`,
        routes: health.routes,
        lastSyncedAt: health.lastSyncedAt,
        container: container && {
          name: container.container,
          state: container.state,
          image: container.image,
          pinned: container.pinned,
          lastError: container.lastError,
        },
      };
    },
  };
}
