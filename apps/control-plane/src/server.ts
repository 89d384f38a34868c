import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { type App, buildApp, type RouteEntry } from './api/app.js';
import { createFirstAdmin, needsFirstAdmin } from './auth/operators.js';
import type { Config } from './config.js';
import { type ControlPlaneContext, openControlPlane } from './control-plane.js';
import { driverReason } from './db/errors.js';
import { countActiveApiTokens, createApiToken } from './db/queries/tokens.js';
import { writeLocalAdminToken } from './local-admin.js';
import type { Logger } from './logger.js';
import { type ControlPlaneServices, createServices } from './services.js';

export interface RunningServer {
  context: ControlPlaneContext;
  services: ControlPlaneServices;
  /** `http://127.0.0.1:8080` */
  url: string;
  /** Every route the API serves (the route-table walk in api/security.int.test.ts). */
  routeTable: readonly RouteEntry[];
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Where the first admin token is shown, once. */
  announce: (line: string) => void;
}

/**
 * Opens the dependencies, creates the first admin token on a fresh install, listens, and
 * starts the reconciler (which acts only while this process holds leadership).
 */
export async function startServer(
  config: Config,
  logger: Logger,
  opts: ServerOptions,
): Promise<RunningServer> {
  const context = await openControlPlane(config, logger);
  const { db, docker } = context;
  // Only a locked PGlite folder keeps the CLI out of the database; it comes through the API.
  const localAdmin = db.dataLock ? writeLocalAdminToken(config.dataDir) : undefined;
  let app: App | undefined;
  try {
    const services = createServices(context, { localAdminToken: localAdmin?.token });
    if (config.firstAdmin && (await needsFirstAdmin(db.db))) {
      const admin = await createFirstAdmin(db.db, services.auth, {
        ...config.firstAdmin,
        name: 'Admin',
      });
      logger.info({ email: admin.email }, 'created the first operator account from the settings');
    }
    if ((await countActiveApiTokens(db.db)) === 0) {
      const { token } = await createApiToken(db.db, 'admin (first start)');
      opts.announce(`created the first admin API token; it is shown only this once: ${token}`);
    }
    await services.feed.start();
    await services.podCache.start();
    app = await buildApp({
      logger,
      routes: services.routes,
      rootRoutes: services.rootRoutes,
      hooks: services.hooks,
      checkReady: async () => {
        try {
          await docker.ping();
        } catch (err) {
          // Named, so an operator reading /readyz knows which dependency to look at.
          throw new Error(`Docker (${docker.description}) is not ready: ${(err as Error).message}`);
        }
        try {
          await db.db.execute(sql`SELECT 1`);
        } catch (err) {
          throw new Error(`the database is unavailable: ${driverReason(err)}`);
        }
        // Route sync is the leader's task: a standby is ready when its own dependencies are,
        // or a load balancer would drop every standby for a proxy it does not drive.
        if (!services.reconciler.isLeader) return;
        const proxy = services.proxy.status();
        if (!proxy.ok) throw new Error(proxy.detail ?? 'the proxy is not ready');
        const filter = services.networkFilter?.status;
        // Only the leader applies the rules: a filter that never ran (a standby's) says nothing.
        if (filter && filter.syncs > 0 && !filter.ok) {
          throw new Error(`the network filter is not in place: ${filter.lastError}`);
        }
      },
      role: () => (services.reconciler.isLeader ? 'leader' : 'standby'),
    });
    await app.listen({ host: config.listen.host, port: config.listen.port });
    const address = app.server.address() as AddressInfo;
    const url = `http://${hostForUrl(address)}:${address.port}`;
    db.dataLock?.announce(`http://${hostForUrl(address, 'loopback')}:${address.port}`);
    logger.info(
      // `url` last: scripts (and the tests) read it right before the message.
      { baseDomain: config.baseDomain, proxy: config.proxy.mode, url },
      'control plane listening',
    );
    services.reconciler.start();
    const listening = app;
    return {
      context,
      services,
      url,
      routeTable: listening.routeTable,
      // Bounded by the caller (the CLI's AGENTPOD_SHUTDOWN_TIMEOUT_MS). Both at once: the API
      // stops taking requests and ends its log-follow streams while the reconcile in flight
      // finishes and leadership is released.
      close: async () => {
        localAdmin?.remove();
        await Promise.all([services.reconciler.stop(), listening.close()]);
        services.podCache.stop();
        await services.feed.stop();
        await db.close();
      },
    };
  } catch (err) {
    localAdmin?.remove();
    await app?.close();
    await db.close();
    throw err;
  }
}

/** With `loopback`, a wildcard address becomes the loopback one: where a local client connects. */
function hostForUrl(address: AddressInfo, loopback?: 'loopback'): string {
  const v6 = address.family === 'IPv6';
  let host = address.address;
  if (loopback && (host === '0.0.0.0' || host === '::')) host = v6 ? '::1' : '127.0.0.1';
  return v6 ? `[${host}]` : host;
}
