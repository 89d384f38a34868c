import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifySchemaValidationError,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { DatabaseUnavailableError, driverReason, isDatabaseUnavailable } from '../db/errors.js';
import { AgentPodError } from '../errors.js';
import type { Logger } from '../logger.js';
import { problem, statusFor } from './problem.js';

export const API_PREFIX = '/api/v1';
/** Request bodies larger than this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 256 * 1024;

export type App = FastifyInstance;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every registered route (method and URL pattern), HEAD routes included. */
    routeTable: readonly RouteEntry[];
  }
}

/** Fastify's error names are internal; these are AgentPod's stable codes for them. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json_body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_VALIDATION: 'validation_failed',
  FST_ERR_BAD_URL: 'invalid_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};
/** The Fastify instance routes are registered on, typed by the zod schemas. */
export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
export type RouteRegistrar = (app: ApiInstance) => void;

export interface AppOptions {
  logger: Logger;
  /** Mounted under /api/v1. */
  routes: RouteRegistrar[];
  /** Mounted at the root, outside /api/v1 (operator sign-in at /api/auth). */
  rootRoutes?: ((app: App) => void)[];
  /**
   * Hooks on the root, added before any route so they cover every route (authentication, the
   * audit log); a route added later cannot slip past them.
   */
  hooks?: ((app: App) => void)[];
  /** Readiness: throws when a dependency is down. */
  checkReady: () => Promise<void>;
  /** Shown by /readyz: whether this process runs the reconciler (leader) or waits (standby). */
  role?: () => 'leader' | 'standby';
}

export async function buildApp(opts: AppOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Per-request lines would drown the reconciler's; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: pino redacts a child's bindings as it makes it, which cost
    // about a tenth of a cached read's CPU. Failures are logged with the route and status
    // instead of a request id (bench/api.mjs).
    childLoggerFactory: (logger) => logger,
    // Unknown fields are refused by the zod schemas (strict objects), never stripped silently.
    ajv: { customOptions: { removeAdditional: false } },
    // Errors the router raises before any route runs (a path that is not valid percent-encoded
    // UTF-8, a parameter over the length limit): problem+json like every other refusal.
    frameworkErrors: (err, _req, res) => {
      const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      (res as unknown as FastifyReply)
        .code(status)
        .type('application/problem+json')
        .send(problem(status, FASTIFY_CODES[err.code] ?? 'bad_request', err.message));
    },
  });
  // JSON only: Fastify's default text/plain parser would turn a body into a string, and the
  // client would get "expected object" instead of 415.
  app.removeContentTypeParser('text/plain');
  // An empty JSON body is no body: `curl -H 'Content-Type: application/json' -X POST …/stop`
  // is how people call action routes. Routes that need a body still refuse it (400).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      // Fatal: invalid UTF-8 is refused, never stored with replacement characters.
      text = UTF8.decode(body as Buffer);
    } catch {
      done(
        Object.assign(new Error('the body is not valid UTF-8'), {
          statusCode: 400,
          code: 'FST_ERR_CTP_INVALID_JSON_BODY',
        }),
        undefined,
      );
      return;
    }
    if (text === '') {
      done(null, undefined);
      return;
    }
    parseJson(req, text, done);
  });
  // Every route as registered, for the route-table walk (api/security.int.test.ts).
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routeTable.push({ method, url: r.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const send = (p: ReturnType<typeof problem>) =>
      reply.code(p.status).type('application/problem+json').send(p);
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = fieldErrors(err.validationContext ?? 'request', err.validation);
      return send(
        problem(
          400,
          'validation_failed',
          `the request ${err.validationContext} is invalid`,
          errors,
        ),
      );
    }
    // The database driver's errors are untyped; every other dependency a route calls (Docker)
    // already throws AgentPodErrors, so a connection failure here is the database's.
    const known =
      err instanceof AgentPodError
        ? err
        : isDatabaseUnavailable(err)
          ? new DatabaseUnavailableError(err)
          : undefined;
    if (known) {
      const status = statusFor(known);
      // Not the error itself: Drizzle's message carries the query's parameters.
      if (known instanceof DatabaseUnavailableError)
        req.log.warn(
          { route: req.routeOptions.url, reason: driverReason(err) },
          'request failed: the database is unavailable',
        );
      else if (status >= 500) req.log.error({ route: req.routeOptions.url, err }, 'request failed');
      const issues =
        'issues' in known ? (known.issues as { path: string; message: string }[]) : undefined;
      return send(problem(status, known.code, known.message, issues));
    }
    // Fastify's own 4xx: malformed JSON, body too large, wrong content type, ...
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const code = FASTIFY_CODES[err.code ?? ''] ?? 'bad_request';
      return send(problem(err.statusCode, code, err.message));
    }
    req.log.error({ method: req.method, route: req.routeOptions.url, err }, 'unexpected error');
    return send(problem(500, 'internal_error', 'an unexpected error occurred; see the server log'));
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .type('application/problem+json')
      .send(problem(404, 'route_not_found', `no route for ${req.method} ${req.url.split('?')[0]}`));
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'AgentPod API', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: `${API_PREFIX}/docs` });
  // Live updates (api/watch.ts); text frames of JSON, so no larger payload than a page of pods.
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  // After the WebSocket plugin: its onRequest hook marks upgrade requests, and an upgrade that
  // authentication refuses must still be marked, or its socket is never closed.
  for (const hook of opts.hooks ?? []) hook(app);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await opts.checkReady();
      return { ok: true, role: opts.role?.() };
    } catch (err) {
      return reply
        .code(503)
        .type('application/problem+json')
        .send({ ...problem(503, 'not_ready', (err as Error).message), role: opts.role?.() });
    }
  });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  for (const register of opts.rootRoutes ?? []) register(app);
  await app.register(
    async (api) => {
      const typed = api.withTypeProvider<ZodTypeProvider>();
      for (const register of opts.routes) register(typed);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

/**
 * Paths name the field inside the body, query or params (`subdomain`, `config.provider`), as
 * domain validation errors do; an issue with the whole part is named by the part (`body`).
 * An unknown field is named by its own path, never by its parent's.
 */
function fieldErrors(
  context: string,
  issues: FastifySchemaValidationError[],
): { path: string; message: string }[] {
  return issues.flatMap((v) => {
    const at = v.instancePath.split('/').filter(Boolean);
    const unknown = v.keyword === 'unrecognized_keys' ? v.params.keys : undefined;
    if (Array.isArray(unknown) && unknown.length > 0) {
      return unknown.map((key) => ({
        path: [...at, String(key)].join('.'),
        message: 'is not a known field',
      }));
    }
    return [{ path: at.length > 0 ? at.join('.') : context, message: v.message ?? 'is invalid' }];
  });
}
