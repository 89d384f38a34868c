import { AdapterRegistry } from './adapters/index.js';
import type { RouteRegistrar } from './api/app.js';
import { authHook } from './api/auth.js';
import { podOperationRoutes } from './api/pod-operations.js';
import { podRoutes } from './api/pods.js';
import { proxyRoutes } from './api/proxy.js';
import { tenantRoutes } from './api/tenants.js';
import type { ControlPlaneContext } from './control-plane.js';
import { recordEvent } from './db/queries/events.js';
import { listRunningPods } from './db/queries/pods.js';
import { StartupError } from './errors.js';
import { HealthProber } from './health/prober.js';
import { PodService } from './pods/service.js';
import { PodChangeListener, publishPodChange } from './reconciler/change-feed.js';
import { AdvisoryLockLeadership, type Leadership, SoleLeadership } from './reconciler/leader.js';
import { Reconciler } from './reconciler/reconciler.js';
import { parseSubnetPool } from './reconciler/subnets.js';
import { Sweeper } from './reconciler/sweeper.js';
import { CaddySync, type ProxyHealth } from './routing/caddy-sync.js';
import { currentRoutes } from './routing/route-table.js';
import { SecretBox } from './secrets/secret-box.js';

export interface ControlPlaneServices {
  pods: PodService;
  reconciler: Reconciler;
  caddy: CaddySync | undefined;
  routes: RouteRegistrar[];
  proxyHealth(): ProxyHealth | null;
}

/** Builds the control plane's parts from one context: the only place they are wired together. */
export function createServices(ctx: ControlPlaneContext): ControlPlaneServices {
  const { config, db: handle, docker, logger } = ctx;
  const db = handle.db;
  const secrets = SecretBox.load({ keyBase64: config.secretKey, dataDir: config.dataDir });
  let adapters: AdapterRegistry;
  let subnetPool: ReturnType<typeof parseSubnetPool>;
  try {
    adapters = new AdapterRegistry({ imageOverrides: config.imageOverrides });
    subnetPool = parseSubnetPool(config.podSubnets.pool, config.podSubnets.prefix);
  } catch (err) {
    throw new StartupError('config_invalid', (err as Error).message, { cause: err });
  }
  const routes = () => currentRoutes(db, adapters, config.baseDomain);

  const caddy = config.caddy
    ? new CaddySync({
        adminUrl: config.caddy.adminUrl,
        render: {
          httpsPort: config.caddy.httpsPort,
          httpPort: 0,
          tls:
            config.caddy.tls === 'acme' && config.caddy.acmeEmail
              ? { issuer: 'acme', email: config.caddy.acmeEmail }
              : { issuer: 'internal' },
        },
        routes,
        verifyIntervalMs: 10_000,
        logger,
      })
    : undefined;

  // Assigned below; the prober reports to it.
  let reconciler: Reconciler | undefined;
  const prober = new HealthProber({
    tickMs: 2_000,
    targets: async () =>
      (await listRunningPods(db)).flatMap((p) => {
        if (!p.ipAddress) return [];
        const adapter = adapters.get(p.agentType);
        return [
          {
            podId: p.id,
            baseUrl: `http://${p.ipAddress}:${adapter.containerPort}`,
            probe: adapter.probes.liveness,
          },
        ];
      }),
    onChange: (podId, health, detail) => {
      const healthy = health === 'healthy';
      recordEvent(db, {
        podId,
        type: healthy ? 'normal' : 'warning',
        reason: healthy ? 'Healthy' : 'HealthCheckFailed',
        message: detail,
      }).catch((err: unknown) =>
        logger.warn({ podId, err: (err as Error).message }, 'could not record a health event'),
      );
      reconciler?.notify(podId);
    },
  });

  const leadership: Leadership =
    handle.kind === 'postgres' && handle.pool
      ? new AdvisoryLockLeadership(handle.pool, (err) => reconciler?.lostLeadership(err))
      : new SoleLeadership();
  const sweeper = new Sweeper(db, docker, logger, {
    graceMs: config.sweeper.graceMs,
    intervalMs: 60_000,
    dryRun: config.sweeper.dryRun,
  });
  const changeListener =
    handle.kind === 'postgres' && handle.pool
      ? new PodChangeListener(handle.pool, (id) => reconciler?.notify(id), logger)
      : undefined;
  reconciler = new Reconciler(
    {
      db,
      docker,
      adapters,
      secrets,
      health: prober,
      subnetPool,
      baseDomain: config.baseDomain,
      publicUrl: config.publicUrl,
      stopTimeoutSeconds: 10,
      logger,
    },
    leadership,
    {
      resyncIntervalMs: config.resyncIntervalMs,
      concurrency: 4,
      backoff: { baseMs: 1_000, maxMs: 60_000 },
      leaderRetryMs: 5_000,
      onReconciled: () => caddy?.schedule(),
    },
    [prober, sweeper, ...(caddy ? [caddy] : []), ...(changeListener ? [changeListener] : [])],
  );
  const live = reconciler;
  const notify = (id: string) => {
    live.notify(id);
    publishPodChange(handle, id).catch((err: unknown) =>
      logger.warn({ podId: id, err: (err as Error).message }, 'could not publish a pod change'),
    );
  };
  const pods = new PodService({ db, adapters, secrets, notify });

  return {
    pods,
    reconciler: live,
    caddy,
    proxyHealth: () => caddy?.health ?? null,
    routes: [
      authHook(db, config.traefik.providerToken),
      tenantRoutes(db),
      podRoutes(db, pods),
      podOperationRoutes({
        db,
        docker,
        pods,
        baseDomain: config.baseDomain,
        publicUrl: config.publicUrl,
      }),
      proxyRoutes(routes, {
        certResolver: config.traefik.certResolver,
        tls:
          config.traefik.tls === 'wildcard'
            ? { mode: 'wildcard', baseDomain: config.baseDomain }
            : { mode: 'per-host' },
      }),
    ],
  };
}
