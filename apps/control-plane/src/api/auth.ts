import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/client.js';
import { verifyApiToken } from '../db/queries/tokens.js';
import type { ApiInstance } from './app.js';
import { UnauthorizedError } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Which credential the route takes: an API token or an operator's session (default), the
     * proxy's own token, or none (the first-run setup, which works only before any account).
     */
    auth?: 'api' | 'proxy' | 'public';
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
  /** Whether a bearer token is a live operator session (auth/operators.ts). */
  isSession?: ((token: string) => Promise<boolean>) | undefined;
}

/** API tokens (`ap_…`) and the local admin token (`apl_…`); anything else may be a session. */
const API_TOKEN = /^apl?_/;

/**
 * Every API route needs a bearer token (an API token or an operator's session); the
 * proxy-config route takes the proxy token instead, the setup routes none.
 */
export function authHook(db: Database, { proxyToken, localAdminToken, isSession }: AuthOptions) {
  return (app: ApiInstance) => {
    app.addHook('onRequest', async (req) => {
      if (req.routeOptions.config.auth === 'public') return;
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
      const valid = API_TOKEN.test(token)
        ? await verifyApiToken(db, token)
        : ((await isSession?.(token)) ?? false);
      if (!valid) throw new UnauthorizedError('the bearer token is invalid, revoked or expired');
    });
  };
}
