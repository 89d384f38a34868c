import type { Route } from '../routing/routes.js';
import { renderTraefikDynamicConfig, type TraefikDynamicOptions } from '../routing/traefik.js';
import type { ApiInstance } from './app.js';

/** Traefik's HTTP provider polls this; it takes the proxy token, not an API token. */
export function proxyRoutes(routes: () => Promise<Route[]>, traefik: TraefikDynamicOptions) {
  return (app: ApiInstance) => {
    app.get(
      '/proxy/traefik',
      {
        config: { auth: 'proxy' },
        schema: {
          tags: ['proxy'],
          description:
            'Traefik v3 dynamic configuration for its HTTP provider (Bearer AGENTPOD_PROXY_TOKEN).',
        },
      },
      async () => renderTraefikDynamicConfig(await routes(), traefik),
    );
  };
}
