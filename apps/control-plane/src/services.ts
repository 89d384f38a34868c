import { type PodWithStatus, publicOrigin } from '@agentpod/shared';
import { AdapterRegistry } from './adapters/index.js';
import { agentTypeRoutes } from './api/agent-types.js';
import type { App, RouteRegistrar } from './api/app.js';
import { auditHook, auditRoutes } from './api/audit.js';
import { authHook } from './api/auth.js';
import { doctorRoutes } from './api/doctor.js';
import { inputGuard } from './api/input-guard.js';
import { operatorAuthRoutes, setupRoutes } from './api/operators.js';
import { podHistoryRoutes } from './api/pod-history.js';
import { podOperationRoutes } from './api/pod-operations.js';
import { podRoutes } from './api/pods.js';
import { proxyRoutes } from './api/proxy.js';
import { registryRoutes } from './api/registries.js';
import { tenantRoutes } from './api/tenants.js';
import { ApiTokenCache } from './api/token-cache.js';
import { tokenRoutes } from './api/tokens.js';
import { watchRoutes } from './api/watch.js';
import { createOperatorAuth, type OperatorAuth } from './auth/operators.js';
import type { Config } from './config.js';
import type { ControlPlaneContext } from './control-plane.js';
import type { Database } from './db/client.js';
import { recordEvent } from './db/queries/events.js';
import { listRunningPods } from './db/queries/pods.js';
import { StartupError } from './errors.js';
import { HealthProber, livenessProbe, type ProbeTarget } from './health/prober.js';
import type { Logger } from './logger.js';
import { NeighbourTableWatch } from './network/neighbour-table.js';
import type { NetworkFilter } from './network/network-filter.js';
import { createNetworkFilter } from './network/setup.js';
import { PodService } from './pods/service.js';
import { PodChangeListener, publishPodChange } from './reconciler/change-feed.js';
import { CrashLoopTracker } from './reconciler/crash-loop.js';
import { exitGate } from './reconciler/exit-gate.js';
import { freshVolumeWriter } from './reconciler/fresh-files.js';
import { DEFAULT_PULL_POLICY } from './reconciler/image-policy.js';
import { ImagePuller } from './reconciler/image-puller.js';
import { AdvisoryLockLeadership, type Leadership, SoleLeadership } from './reconciler/leader.js';
import { PodNetwork } from './reconciler/pod-network.js';
import { Reconciler } from './reconciler/reconciler.js';
import { resyncRowsOf } from './reconciler/resync.js';
import { parseSubnetPool } from './reconciler/subnets.js';
import { Sweeper } from './reconciler/sweeper.js';
import { RegistryCredentials } from './registries/service.js';
import { createProxy, type ReverseProxy } from './routing/proxy.js';
import { currentRoutes } from './routing/route-table.js';
import { SecretBox } from './secrets/secret-box.js';
import { StatsCollector, sampleTargetsOf } from './stats/collector.js';
import { Retention } from './stats/retention.js';
import { VolumeUsageMonitor } from './stats/volume-usage.js';
import { WatchFeed } from './watch/feed.js';
import { PodCache } from './watch/pod-cache.js';

export interface ControlPlaneServices {
  pods: PodService;
  reconciler: Reconciler;
  sweeper: Sweeper;
  stats: StatsCollector;
  volumeUsage: VolumeUsageMonitor;
  retention: Retention;
  proxy: ReverseProxy;
  /** Undefined when AGENTPOD_NETWORK_POLICY is off (or `auto` found no iptables). */
  networkFilter: NetworkFilter | undefined;
  routes: RouteRegistrar[];
  /** Outside /api/v1: better-auth's own routes. */
  rootRoutes: ((app: App) => void)[];
  /** On the root, before every route: authentication and the audit log. */
  hooks: ((app: App) => void)[];
  auth: OperatorAuth;
  /** The database's change notices for the watch connections of this process. */
  feed: WatchFeed;
  /** The API's pod reads, kept current by the feed (started after it). */
  podCache: PodCache;
}

/** Builds the control plane's parts from one context: the only place they are wired together. */
export function createServices(
  ctx: ControlPlaneContext,
  opts: { localAdminToken?: string } = {},
): ControlPlaneServices {
  const { config, db: handle, docker, logger, installationId } = ctx;
  const db = handle.db;
  const secrets = SecretBox.load({ keyBase64: config.secretKey, dataDir: config.dataDir });
  const { adapters, subnetPool } = parseInstallationSettings(config);
  const consoleRoute = config.console.upstream
    ? { subdomain: config.console.subdomain, upstream: config.console.upstream }
    : undefined;
  const routes = () => currentRoutes(db, adapters, config.baseDomain, consoleRoute);
  const auth = createOperatorAuth(db, {
    secret: secrets.derive('operator-sessions'),
    baseURL: `http://${config.listen.host}:${config.listen.port}`,
    trustedOrigins: [
      publicOrigin(config.console.subdomain, {
        baseDomain: config.baseDomain,
        ...config.publicUrl,
      }),
    ],
  });
  const feed = new WatchFeed(handle, logger);
  const podCache = new PodCache(db, feed, logger);
  /** A view of every pod held, for a loop that walks the fleet; null while the cache is not current. */
  const fromCache =
    <T>(view: (pods: PodWithStatus[]) => T) =>
    (): T | null => {
      const held = podCache.all();
      return held && view(held);
    };
  const tokenCache = new ApiTokenCache(db);

  // Assigned below: the prober, the leadership and the change feed report to it.
  let reconciler: Reconciler | undefined;
  const notify = (id: string) => {
    reconciler?.notify(id);
    publishPodChange(handle, id).catch((err: unknown) =>
      logger.warn({ podId: id, err: (err as Error).message }, 'could not publish a pod change'),
    );
  };
  const registries = new RegistryCredentials({ db, secrets, notify });
  const puller = new ImagePuller(docker, (registry) => registries.authFor(registry));
  const pullPolicy = { ...DEFAULT_PULL_POLICY, baseMs: config.pullBackoffMs };
  const proxy = createProxy(config.proxy, {
    docker,
    puller,
    installationId,
    routes,
    logger,
    pullPolicy,
    containerLogs: config.containerLogs,
  });
  const probes = { intervalMs: config.probeIntervalMs, perSecond: config.probesPerSecond };
  const prober = healthProber(db, podCache, adapters, probes, logger, (id) => reconciler?.wake(id));
  const leadership: Leadership =
    handle.kind === 'postgres' && handle.pool
      ? new AdvisoryLockLeadership(handle.pool, (err) => reconciler?.lostLeadership(err), {
          intervalMs: config.leader.keepaliveMs,
          timeoutMs: config.leader.timeoutMs,
        })
      : new SoleLeadership();
  // One order for every exit of a container on the pod network: the reconciler's and the sweeper's.
  const exits = exitGate(docker, logger);
  const sweeper = new Sweeper(db, docker, logger, {
    installationId,
    graceMs: config.sweeper.graceMs,
    intervalMs: 60_000,
    dryRun: config.sweeper.dryRun,
    exits,
  });
  const stats = new StatsCollector(db, docker, {
    intervalMs: config.stats.intervalMs,
    maxPerSecond: config.stats.readingsPerSecond,
    concurrency: config.stats.concurrency,
    logger,
    // The containers' own files when the daemon is on this machine; its stats API otherwise.
    ...(docker.config.kind === 'unix' && { cgroups: { proc: '/proc', cgroup: '/sys/fs/cgroup' } }),
    targets: fromCache(sampleTargetsOf),
  });
  const volumeUsage = new VolumeUsageMonitor(db, docker, {
    intervalMs: config.volumeUsage.intervalMs,
    alertBytes: config.volumeUsage.alertBytes,
    installationId,
    concurrency: 4,
    timeoutSeconds: 60,
    logger,
    local: docker.config.kind === 'unix',
  });
  const networkFilter = createNetworkFilter({
    config,
    db,
    installationId,
    logger,
    dockerIsLocal: docker.config.kind === 'unix',
  });
  const retention = new Retention(db, {
    rawMs: config.stats.rawRetentionMs,
    rollupMs: config.stats.rollupRetentionMs,
    eventsMs: config.eventRetentionMs,
    auditMs: config.auditRetentionMs,
    intervalMs: 300_000,
    logger,
  });
  const changeListener =
    handle.kind === 'postgres' && handle.pool
      ? new PodChangeListener(handle, (id) => reconciler?.notify(id), logger)
      : undefined;
  reconciler = new Reconciler(
    {
      db,
      docker,
      adapters,
      secrets,
      health: prober,
      podNetwork: new PodNetwork(docker, { installationId, pool: subnetPool }),
      baseDomain: config.baseDomain,
      publicUrl: config.publicUrl,
      stopTimeoutSeconds: 10,
      installationId,
      containerLogs: config.containerLogs,
      crashLoop: new CrashLoopTracker(config.crashBackOff),
      exits,
      freshFiles: freshVolumeWriter(docker, {
        installationId,
        onBatch: ({ how, size, error }) => {
          if (error)
            logger.warn(
              { err: error, size },
              "writing new pods' files together failed; wrote each alone",
            );
          else if (how === 'helper') logger.debug({ size }, "wrote new pods' files together");
        },
      }),
      image: {
        db,
        docker,
        puller,
        pullPolicy,
        progressIntervalMs: 1_000,
      },
      logger,
    },
    leadership,
    {
      resyncIntervalMs: config.resyncIntervalMs,
      concurrency: config.reconcileConcurrency,
      backoff: { baseMs: 1_000, maxMs: 60_000 },
      leaderRetryMs: config.leader.retryMs,
      // The status this process just wrote is what its own API answers next.
      afterReconcile: (id) => podCache.refresh(id),
      // The cache is current to the last notice: the listing beside it is Docker's own word.
      resyncRows: fromCache(resyncRowsOf),
      onReconciled: () => {
        proxy.changed();
        // A pod's address or egress policy may have changed with this reconcile.
        networkFilter?.schedule();
      },
    },
    [
      prober,
      sweeper,
      stats,
      volumeUsage,
      retention,
      ...proxy.tasks,
      ...(networkFilter ? [networkFilter] : []),
      ...(changeListener ? [changeListener] : []),
    ],
  );
  const pods = new PodService({
    db,
    adapters,
    secrets,
    notify,
    written: (id) => podCache.refresh(id),
    consoleSubdomain: config.console.subdomain,
  });

  return {
    networkFilter,
    pods,
    reconciler,
    sweeper,
    stats,
    volumeUsage,
    retention,
    proxy,
    auth,
    feed,
    podCache,
    rootRoutes: [operatorAuthRoutes(auth)],
    hooks: [
      authHook(tokenCache, {
        proxyToken: config.traefik.providerToken,
        localAdminToken: opts.localAdminToken,
        sessionUser: async (token) =>
          (
            await auth.api.getSession({
              headers: new Headers({ authorization: `Bearer ${token}` }),
            })
          )?.user.id ?? null,
        failureLimit: config.authFailureLimit,
      }),
      auditHook(db, logger),
      inputGuard(),
    ],
    routes: [
      setupRoutes(db, auth),
      auditRoutes(db),
      agentTypeRoutes(db, adapters, { consoleSubdomain: config.console.subdomain }),
      watchRoutes({ db, docker, feed }),
      tenantRoutes(db, podCache),
      tokenRoutes(db, tokenCache),
      podRoutes(podCache, pods),
      podHistoryRoutes({
        db,
        // Every pod held counts: an upper bound of the running ones the collector reads.
        statsIntervalMs: () => stats.intervalMsFor(podCache.size),
        rawRetentionMs: config.stats.rawRetentionMs,
      }),
      podOperationRoutes({
        db,
        docker,
        pods,
        baseDomain: config.baseDomain,
        publicUrl: config.publicUrl,
      }),
      registryRoutes(registries),
      doctorRoutes({
        db: handle,
        docker,
        proxy,
        adapters,
        registryAuth: (registry) => registries.authFor(registry),
        baseDomain: config.baseDomain,
        publicUrl: config.publicUrl,
        routedHosts: async () => (await routes()).map((r) => r.host),
      }),
      proxyRoutes(proxy, routes, {
        certResolver: config.traefik.certResolver,
        tls:
          config.traefik.tls === 'wildcard'
            ? { mode: 'wildcard', baseDomain: config.baseDomain }
            : { mode: 'per-host' },
      }),
    ],
  };
}

/** The settings that can only be checked against the adapters and the pool, at start. */
function parseInstallationSettings(config: Config) {
  try {
    return {
      adapters: new AdapterRegistry({ imageOverrides: config.imageOverrides }),
      subnetPool: parseSubnetPool(config.podNetwork.pool, config.podNetwork.prefix),
    };
  } catch (err) {
    throw new StartupError('config_invalid', (err as Error).message, { cause: err });
  }
}

/** Probes every running pod's liveness endpoint; a change of health wakes its reconcile. */
function healthProber(
  db: Database,
  podCache: PodCache,
  adapters: AdapterRegistry,
  probes: { intervalMs: number | undefined; perSecond: number },
  logger: Logger,
  wake: (podId: string) => void,
): HealthProber {
  const neighbours = new NeighbourTableWatch(logger);
  /** The last targets made from the cache, kept while no pod changes (usage aside). */
  let kept: { revision: number; targets: ProbeTarget[] } | undefined;
  return new HealthProber({
    // Short: a starting agent is probed every `startupIntervalMs` (1 s) until it answers.
    tickMs: 1_000,
    maxPerSecond: probes.perSecond,
    logger,
    onRound: (targets) => neighbours.observe(targets),
    // From the pod cache, which the change feed keeps current: no query every tick. The
    // database answers while the cache is not current (before its load, while the feed is lost).
    targets: async () => {
      const revision = podCache.fleetRevision();
      if (kept && kept.revision === revision) return kept.targets;
      const cached = revision === null ? null : podCache.all();
      const running = cached
        ? cached.flatMap((p) =>
            !p.deletedAt && p.desiredState === 'running' && p.status.phase === 'running'
              ? [{ id: p.id, agentType: p.agentType, ipAddress: p.status.ipAddress }]
              : [],
          )
        : await listRunningPods(db);
      const targets = running.flatMap((p) => {
        if (!p.ipAddress) return [];
        const adapter = adapters.get(p.agentType);
        return [
          {
            podId: p.id,
            baseUrl: `http://${p.ipAddress}:${adapter.containerPort}`,
            probe: livenessProbe(adapter, probes.intervalMs),
          },
        ];
      });
      kept = revision === null ? undefined : { revision, targets };
      return targets;
    },
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
      wake(podId);
    },
  });
}
