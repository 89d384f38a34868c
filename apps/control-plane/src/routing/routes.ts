// Which pods the proxy should send traffic to, and where. Pure: the proxy renderers (traefik.ts,
// caddy.ts) turn the result into their own documents, so both proxies route exactly the same set.
import { publicHost } from '@agentpod/shared';

export interface RoutablePod {
  id: string;
  tenantId: string;
  subdomain: string;
  desiredState: 'running' | 'stopped';
  deletedAt: string | null;
  status: { phase: string; ipAddress: string | null };
  /** The port the agent listens on inside its container. */
  port: number;
}

export interface Route {
  podId: string;
  tenantId: string;
  /** The public host name, `<subdomain>.<baseDomain>`. */
  host: string;
  /** The container's address on its pod network, reachable from the proxy on the host. */
  upstream: { address: string; port: number };
}

/**
 * A pod is routed only while it is wanted (not deleted, desired running) and observed running
 * with an address: routing a pod that is starting or stopping would only produce 502s, and a
 * stale address could reach whichever container gets that IP next.
 */
export function isRoutable(pod: RoutablePod): boolean {
  return (
    pod.deletedAt === null &&
    pod.desiredState === 'running' &&
    pod.status.phase === 'running' &&
    pod.status.ipAddress !== null &&
    pod.status.ipAddress !== ''
  );
}

/**
 * Routes sorted by host (then pod id), so the rendered proxy config is byte-identical for the
 * same pods whatever order the database returned them in.
 */
export function buildRoutes(pods: RoutablePod[], opts: { baseDomain: string }): Route[] {
  const routes: Route[] = [];
  for (const pod of pods) {
    if (!isRoutable(pod) || pod.status.ipAddress === null) continue;
    routes.push({
      podId: pod.id,
      tenantId: pod.tenantId,
      host: publicHost(pod.subdomain, opts.baseDomain),
      upstream: { address: pod.status.ipAddress, port: pod.port },
    });
  }
  return routes.sort((a, b) => compare(a.host, b.host) || compare(a.podId, b.podId));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
