import type { AddressInfo } from 'node:net';
import { buildApp } from './api/app.js';
import type { Config } from './config.js';
import { type ControlPlaneContext, openControlPlane } from './control-plane.js';
import { countActiveApiTokens, createApiToken } from './db/queries/tokens.js';
import type { Logger } from './logger.js';
import { type ControlPlaneServices, createServices } from './services.js';

export interface RunningServer {
  context: ControlPlaneContext;
  services: ControlPlaneServices;
  /** `http://127.0.0.1:8080` */
  url: string;
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
  const services = createServices(context);
  if ((await countActiveApiTokens(db.db)) === 0) {
    const { token } = await createApiToken(db.db, 'admin (first start)');
    opts.announce(`created the first admin API token; it is shown only this once: ${token}`);
  }
  const app = await buildApp({
    logger,
    routes: services.routes,
    checkReady: async () => {
      await docker.ping();
      await db.db.execute('SELECT 1');
      const proxy = services.proxyHealth();
      if (proxy && !proxy.ok) throw new Error(`the proxy is not in sync: ${proxy.lastError}`);
    },
  });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url }, 'control plane listening');
  services.reconciler.start();
  return {
    context,
    services,
    url,
    close: async () => {
      await services.reconciler.stop();
      await app.close();
      await db.close();
    },
  };
}
