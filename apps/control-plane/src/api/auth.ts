import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { App } from './app.js';
import { RateLimitedError, TokenExpiredError, UnauthorizedError } from './problem.js';
import type { ApiTokenCache } from './token-cache.js';
import { WindowCounter } from './window-counter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Which credential the route takes: an API token or an operator's session (default), or
     * the proxy's own token. Routes without a credential are listed in PUBLIC_ROUTES only.
     */
    auth?: 'api' | 'proxy';
  }
  interface FastifyRequest {
    /** Who is calling: `token:<id>`, `operator:<user id>`, `local-admin`, `proxy`, `anonymous`. */
    actor: string;
  }
}

interface PublicRoute {
  /** `*`: every method. HEAD counts as GET. */
  method: 'GET' | 'POST' | '*';
  /** A route as registered (`/api/v1/setup`); with a trailing `*`, every route under it. */
  url: string;
  /** Why it needs no credential: a route joins this list only with a reason. */
  why: string;
}

/**
 * The routes anyone may call without a credential; every other route, present and future,
 * needs one (api/security.int.test.ts walks the route table to prove it).
 */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { method: 'GET', url: '/healthz', why: 'liveness for Docker and load balancers; says only ok' },
  {
    method: 'GET',
    url: '/readyz',
    why: 'readiness for load balancers; names the failing dependency, no data',
  },
  {
    method: 'GET',
    url: '/api/v1/openapi.json',
    why: "the API's shape is public (the code is); clients read it before they hold a token",
  },
  { method: 'GET', url: '/api/v1/docs*', why: 'Swagger UI over the same public document' },
  {
    method: 'GET',
    url: '/api/v1/setup',
    why: 'the dashboard must know whether to offer the first-run setup before anyone can sign in',
  },
  {
    method: 'POST',
    url: '/api/v1/setup',
    why: 'makes the first operator account when there is none; 409 setup_done afterwards',
  },
  {
    method: '*',
    url: '/api/auth/*',
    why: "better-auth's sign-in, sign-out and session routes check credentials themselves, with their own sign-in rate limit",
  },
];

export function isPublicRoute(method: string, url: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method;
  return PUBLIC_ROUTES.some(
    (r) =>
      (r.method === '*' || r.method === m) &&
      (r.url.endsWith('*') && !r.url.endsWith('/*')
        ? url.startsWith(r.url.slice(0, -1))
        : r.url === url),
  );
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
  /** The operator whose live session a bearer token is (auth/operators.ts), or null. */
  sessionUser?: ((token: string) => Promise<string | null>) | undefined;
  /** Refused credentials from one address before it is answered 429 for the rest of the window. */
  failureLimit: { max: number; windowMs: number };
}

/** API tokens (`ap_…`) and the local admin token (`apl_…`); anything else may be a session. */
const API_TOKEN = /^apl?_/;
/** Client addresses whose failures are counted at once; bounds the limiter's memory. */
const MAX_TRACKED_CLIENTS = 10_000;

/**
 * Every route needs a bearer token (an API token or an operator's session) unless it is in
 * PUBLIC_ROUTES; the proxy-config route takes the proxy token instead. Applied at the root, so
 * a route added anywhere later is covered without anyone remembering to.
 *
 * Guessing is limited per client address: after `failureLimit.max` refused credentials in a
 * window, every credential from that address is answered 429 without being looked at, so the
 * answers tell a guesser nothing more. Valid tokens cost nothing extra: only failures count.
 */
export function authHook(tokens: ApiTokenCache, opts: AuthOptions) {
  const failures = new WindowCounter({
    windowMs: opts.failureLimit.windowMs,
    maxKeys: MAX_TRACKED_CLIENTS,
  });

  async function identify(req: FastifyRequest, token: string): Promise<string> {
    if (req.routeOptions.config.auth === 'proxy') {
      if (!opts.proxyToken)
        throw new UnauthorizedError('the proxy endpoint is disabled: set AGENTPOD_PROXY_TOKEN');
      if (!sameSecret(token, opts.proxyToken))
        throw new UnauthorizedError('a valid proxy token is required');
      return 'proxy';
    }
    if (opts.localAdminToken && sameSecret(token, opts.localAdminToken)) return 'local-admin';
    if (API_TOKEN.test(token)) {
      const record = await tokens.verify(token);
      if (record === 'expired') throw new TokenExpiredError();
      if (record) return `token:${record.id}`;
    } else {
      const user = await opts.sessionUser?.(token);
      if (user) return `operator:${user}`;
    }
    throw new UnauthorizedError('the bearer token is invalid, revoked or expired');
  }

  return (app: App) => {
    app.decorateRequest('actor', 'anonymous');
    app.addHook('onRequest', async (req, reply) => {
      const url = req.routeOptions.url;
      // No route: the not-found handler answers 404, which reveals nothing the OpenAPI
      // document does not.
      if (url === undefined || isPublicRoute(req.method, url)) return;
      const token = bearer(req);
      if (!token) {
        throw new UnauthorizedError(
          req.routeOptions.config.auth === 'proxy' && !opts.proxyToken
            ? 'the proxy endpoint is disabled: set AGENTPOD_PROXY_TOKEN'
            : undefined,
        );
      }
      const { count, resetInMs } = failures.peek(req.ip);
      if (count >= opts.failureLimit.max) {
        const seconds = Math.max(1, Math.ceil(resetInMs / 1000));
        reply.header('retry-after', String(seconds));
        throw new RateLimitedError(seconds);
      }
      try {
        req.actor = await identify(req, token);
      } catch (err) {
        if (err instanceof UnauthorizedError || err instanceof TokenExpiredError)
          failures.hit(req.ip);
        throw err;
      }
    });
  };
}
