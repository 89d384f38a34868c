// The audit log: every admin action (every write through the API, sign-ins, setup) and every
// refused call, with who, what, on which object, when and from where. GET /audit reads it.
import { AuditPage } from '@agentpod/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { type AuditRecord, listAudit, recordAudit } from '../db/queries/audit.js';
import type { Logger } from '../logger.js';
import { API_PREFIX, type ApiInstance, type App } from './app.js';
import { WindowCounter } from './window-counter.js';

/** Where the generic `<noun>.<verb>` name would be unclear. */
const ACTION_NAMES: Record<string, string> = {
  'DELETE /tokens/:id': 'token.revoke',
  'POST /setup': 'operator.setup',
};
const METHOD_VERBS: Record<string, string> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'put',
  PATCH: 'update',
  DELETE: 'delete',
};

/**
 * `<noun>.<verb>` for a call: the route's first segment (singular) and its literal segments
 * after it, or the method's verb: `POST /pods/:id/access-link` is `pod.access_link`,
 * `PATCH /tenants/:id` is `tenant.update`. Operator sign-in is `operator.sign_in`.
 */
export function auditAction(method: string, routeUrl: string | undefined, path: string): string {
  if (routeUrl === undefined) return 'route.unknown';
  if (routeUrl.startsWith('/api/auth/')) {
    const rest = path.split('?')[0]?.slice('/api/auth/'.length) ?? '';
    const first = rest.split('/')[0] ?? '';
    return `operator.${first.replaceAll('-', '_') || 'auth'}`;
  }
  const url = routeUrl.startsWith(API_PREFIX) ? routeUrl.slice(API_PREFIX.length) : routeUrl;
  const named = ACTION_NAMES[`${method} ${url}`];
  if (named) return named;
  const [head = 'root', ...rest] = url.split('/').filter(Boolean);
  const noun = head.endsWith('ies') ? `${head.slice(0, -3)}y` : head.replace(/s$/, '');
  const literals = rest.filter((s) => !s.startsWith(':')).map((s) => s.replaceAll('-', '_'));
  const verb = literals.length > 0 ? literals.join('_') : (METHOD_VERBS[method] ?? 'call');
  return `${noun.replaceAll('-', '_')}.${verb}`;
}

/** Refused calls recorded per client address and minute; the rest are only counted. */
const REFUSED_PER_MINUTE = 20;
const MAX_TRACKED_CLIENTS = 10_000;
const MAX_TEXT = 500;

const clip = (text: string | undefined) => (text === undefined ? null : text.slice(0, MAX_TEXT));

/**
 * Records admin actions after they are answered. Refused calls (401, 403, 429) are recorded
 * too, but only the first REFUSED_PER_MINUTE per address and minute, so a flood of bad tokens
 * cannot fill the table; the last recorded one says that more were dropped.
 */
export function auditHook(db: Database, logger: Logger) {
  const refused = new WindowCounter({ windowMs: 60_000, maxKeys: MAX_TRACKED_CLIENTS });
  return (app: App) => {
    // A created object's id is in the answer only: taken from it before it is serialised.
    app.addHook('preSerialization', async (req, reply, payload: unknown) => {
      const id = (payload as { id?: unknown } | null)?.id;
      if (reply.statusCode === 201 && typeof id === 'string') auditTargets.set(req, id);
      return payload;
    });
    app.addHook('onResponse', async (req, reply) => {
      const status = reply.statusCode;
      const isRefusal = status === 401 || status === 403 || status === 429;
      const isWrite = req.method !== 'GET' && req.method !== 'HEAD';
      if (!isWrite && !isRefusal) return;
      // A write to no route (404) changes and names nothing.
      if (req.routeOptions.url === undefined && !isRefusal) return;
      let detail: Record<string, unknown> | null = null;
      if (isRefusal) {
        const n = refused.hit(req.ip);
        if (n > REFUSED_PER_MINUTE) return;
        if (n === REFUSED_PER_MINUTE)
          detail = { note: 'further refused calls from this address this minute are not recorded' };
      }
      try {
        await recordAudit(db, entryFor(req, reply, detail));
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'could not write an audit entry');
      }
    });
  };
}

const auditTargets = new WeakMap<FastifyRequest, string>();

function entryFor(
  req: FastifyRequest,
  reply: FastifyReply,
  detail: Record<string, unknown> | null,
): AuditRecord {
  const path = req.url.split('?')[0] ?? req.url;
  const params = (req.params ?? {}) as Record<string, unknown>;
  const param = params.id ?? params.registry;
  const target = typeof param === 'string' ? param : auditTargets.get(req);
  const body = req.body as Record<string, unknown> | undefined;
  // Who tried to sign in, never with what password.
  const email =
    path.startsWith('/api/auth/sign-in') && typeof body?.email === 'string'
      ? body.email.slice(0, 200)
      : undefined;
  return {
    actor: req.actor,
    action: auditAction(req.method, req.routeOptions.url, path),
    target: clip(target),
    method: req.method.slice(0, 16),
    path: clip(path) ?? '',
    status: reply.statusCode,
    ip: clip(req.ip),
    userAgent: clip(req.headers['user-agent']),
    detail: email || detail ? { ...detail, ...(email && { email }) } : null,
  };
}

const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  target: z.string().max(500).optional(),
  before: z.iso.datetime({ offset: true }).optional(),
});

export function auditRoutes(db: Database) {
  return (app: ApiInstance) => {
    app.get(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          description:
            'Admin actions and refused calls, newest first: who (actor), what (action), target, status, address.',
          querystring: AuditQuery,
          response: { 200: AuditPage },
        },
      },
      async (req) => listAudit(db, req.query),
    );
  };
}
