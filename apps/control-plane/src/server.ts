import type { AddressInfo } from 'node:net';
import { buildApp, type RouteRegistrar } from './api/app.js';
import type { Config } from './config.js';
import { type ControlPlaneContext, openControlPlane } from './control-plane.js';
import { countActiveApiTokens, createApiToken } from './db/queries/tokens.js';
import type { Logger } from './logger.js';

export interface RunningServer {
  context: ControlPlaneContext;
  /** `http://127.0.0.1:8080` */
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Where the first admin token is shown, once. */
  announce: (line: string) => void;
  /** Extra API routes (mounted under /api/v1). */
  routes?: (context: ControlPlaneContext) => RouteRegistrar[];
}

/** Opens the dependencies, creates the first admin token on a fresh install, and listens. */
export async function startServer(
  config: Config,
  logger: Logger,
  opts: ServerOptions,
): Promise<RunningServer> {
  const context = await openControlPlane(config, logger);
  const { db, docker } = context;
  if ((await countActiveApiTokens(db.db)) === 0) {
    const { token } = await createApiToken(db.db, 'admin (first start)');
    opts.announce(`created the first admin API token; it is shown only this once: ${token}`);
  }
  const app = await buildApp({
    logger,
    routes: opts.routes?.(context) ?? [],
    checkReady: async () => {
      await docker.ping();
      await db.db.execute('SELECT 1');
    },
  });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url }, 'control plane listening');
  return {
    context,
    url,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}
