import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/client.js';
import { verifyApiToken } from '../db/queries/tokens.js';
import type { ApiInstance } from './app.js';
import { UnauthorizedError } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which credential the route takes: an API token (default) or the proxy's own token. */
    auth?: 'api' | 'proxy';
  }
}

function bearer(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuthOptions {
  /** The proxy-config route's own token (AGENTPOD_PROXY_TOKEN). */
  proxyToken: string | undefined;
  /** The running server's local admin token (local-admin.ts): admin, never in the database. */
  localAdminToken?: string | undefined;
}

/** Every API route needs a bearer token; the proxy-config route takes the proxy token instead. */
export function authHook(db: Database, { proxyToken, localAdminToken }: AuthOptions) {
  return (app: ApiInstance) => {
    app.addHook('onRequest', async (req) => {
      const token = bearer(req);
      if (req.routeOptions.config.auth === 'proxy') {
        if (!proxyToken)
          throw new UnauthorizedError('the proxy endpoint is disabled: set AGENTPOD_PROXY_TOKEN');
        if (!token || !sameSecret(token, proxyToken))
          throw new UnauthorizedError('a valid proxy token is required');
        return;
      }
      if (!token) throw new UnauthorizedError();
      if (localAdminToken && sameSecret(token, localAdminToken)) return;
      if (!(await verifyApiToken(db, token)))
        throw new UnauthorizedError('the bearer token is invalid or revoked');
    });
  };
}
