import { z } from 'zod';

export const ProxyMode = z.enum(['managed', 'caddy', 'traefik', 'none']);
export type ProxyMode = z.infer<typeof ProxyMode>;

/** Whether the proxy routes what it should: served by GET /api/v1/proxy and used by /readyz. */
export const ProxyStatus = z.object({
  mode: ProxyMode,
  ok: z.boolean(),
  /** What is wrong, in one line; null when ok. */
  detail: z.string().nullable(),
  /** Routes the proxy holds (managed/caddy) or was last given (traefik). */
  routes: z.int().min(0).nullable(),
  /** When the proxy last confirmed the routes (a push or Traefik's poll). */
  lastSyncedAt: z.iso.datetime().nullable(),
  /** The container AgentPod runs, in managed mode. */
  container: z
    .object({
      name: z.string(),
      state: z.enum(['pending', 'pulling', 'running', 'failed']),
      image: z.string(),
      pinned: z.string().nullable(),
      lastError: z.string().nullable(),
    })
    .nullable(),
});
export type ProxyStatus = z.infer<typeof ProxyStatus>;
