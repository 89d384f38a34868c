import { publicHost } from '@agentpod/shared';
import type { Database } from '../db/client.js';
import { listRunningPods } from '../db/queries/pods.js';
import type { AdapterLookup } from '../reconciler/reconcile.js';
import { buildRoutes, type Route } from './routes.js';

/** The dashboard's route: its host under the base domain, to where it listens. */
export interface ConsoleRoute {
  subdomain: string;
  /** `127.0.0.1:3000` */
  upstream: string;
}

/** The routes the proxy should have right now, from the observed status in the database. */
export async function currentRoutes(
  db: Database,
  adapters: AdapterLookup,
  baseDomain: string,
  console?: ConsoleRoute,
): Promise<Route[]> {
  const rows = await listRunningPods(db);
  const pods = buildRoutes(
    rows.map((r) => ({
      id: r.id,
      tenantId: r.tenantId,
      subdomain: r.subdomain,
      desiredState: r.desiredState,
      deletedAt: null,
      status: { phase: r.phase, ipAddress: r.ipAddress },
      port: adapters.get(r.agentType).containerPort,
    })),
    { baseDomain },
  );
  return console ? [consoleRoute(console, baseDomain), ...pods] : pods;
}

/** The dashboard's host to its listener; named `console`, which no pod id can be. */
export function consoleRoute(console: ConsoleRoute, baseDomain: string): Route {
  const at = console.upstream.lastIndexOf(':');
  return {
    podId: 'console',
    tenantId: '',
    host: publicHost(console.subdomain, baseDomain),
    upstream: {
      address: console.upstream.slice(0, at),
      port: Number(console.upstream.slice(at + 1)),
    },
  };
}
