import type { Database } from '../db/client.js';
import { listRunningPods } from '../db/queries/pods.js';
import type { AdapterLookup } from '../reconciler/reconcile.js';
import { buildRoutes, type Route } from './routes.js';

/** The routes the proxy should have right now, from the observed status in the database. */
export async function currentRoutes(
  db: Database,
  adapters: AdapterLookup,
  baseDomain: string,
): Promise<Route[]> {
  const rows = await listRunningPods(db);
  return buildRoutes(
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
}
