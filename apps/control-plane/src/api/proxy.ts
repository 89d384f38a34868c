import { ProxyStatus } from '@agentpod/shared';
import { z } from 'zod';
import { AgentPodError, ConflictError } from '../errors.js';
import type { ReverseProxy } from '../routing/proxy.js';
import type { Route } from '../routing/routes.js';
import { renderTraefikDynamicConfig, type TraefikDynamicOptions } from '../routing/traefik.js';
import type { ApiInstance } from './app.js';

const tags = ['proxy'];

export function proxyRoutes(
  proxy: ReverseProxy,
  routes: () => Promise<Route[]>,
  traefik: TraefikDynamicOptions,
) {
  return (app: ApiInstance) => {
    app.get(
      '/proxy',
      {
        schema: {
          tags,
          description: 'Which proxy routes the pods, and whether it holds the routes it should.',
          response: { 200: ProxyStatus },
        },
      },
      async () => proxy.status(),
    );
    app.get(
      '/proxy/ca.pem',
      {
        schema: {
          tags,
          description:
            "The root certificate of Caddy's internal CA (AGENTPOD_PROXY_TLS internal), for clients that must trust the pods' certificates.",
          response: { 200: z.string() },
        },
      },
      async (_req, reply) => {
        if (!proxy.admin) {
          throw new ConflictError('proxy_has_no_ca', 'only a Caddy proxy has an internal CA');
        }
        let pem: string;
        try {
          pem = await proxy.admin.rootCertificate();
        } catch (err) {
          throw new AgentPodError('proxy_unavailable', (err as Error).message, { cause: err });
        }
        return reply.type('application/x-pem-file').send(pem);
      },
    );
    // Traefik's HTTP provider polls this; it takes the proxy token, not an API token.
    app.get(
      '/proxy/traefik',
      {
        config: { auth: 'proxy' },
        schema: {
          tags,
          description:
            'Traefik v3 dynamic configuration for its HTTP provider (Bearer AGENTPOD_PROXY_TOKEN).',
        },
      },
      async () => {
        const current = await routes();
        const document = renderTraefikDynamicConfig(current, traefik);
        proxy.polled(current.length);
        return document;
      },
    );
  };
}
