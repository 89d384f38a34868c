// Operator sign-in and the first-run setup. better-auth answers /api/auth/* itself (sign-in,
// sign-out, the session); the setup routes make the first account and take no credential,
// because there is none yet: they refuse once an account exists.
import { fromNodeHeaders } from 'better-auth/node';
import { z } from 'zod';
import {
  createFirstAdmin,
  MIN_PASSWORD_LENGTH,
  needsFirstAdmin,
  type OperatorAuth,
} from '../auth/operators.js';
import type { Database } from '../db/client.js';
import type { ApiInstance, App } from './app.js';

/** better-auth's handler, which speaks the Fetch API, mounted on Fastify. */
export function operatorAuthRoutes(auth: OperatorAuth) {
  return (app: App) => {
    app.route({
      method: ['GET', 'POST'],
      url: '/api/auth/*',
      schema: { hide: true },
      handler: async (req, reply) => {
        const url = new URL(req.url, `http://${req.headers.host ?? '127.0.0.1'}`);
        const body = req.body === undefined ? undefined : JSON.stringify(req.body);
        const headers = fromNodeHeaders(req.headers);
        // The body was parsed (and is sent again as JSON): its old length would be wrong.
        headers.delete('content-length');
        const res = await auth.handler(
          new Request(url, { method: req.method, headers, ...(body !== undefined && { body }) }),
        );
        reply.status(res.status);
        for (const [key, value] of res.headers) if (key !== 'set-cookie') reply.header(key, value);
        const cookies = res.headers.getSetCookie();
        if (cookies.length > 0) reply.header('set-cookie', cookies);
        return reply.send(Buffer.from(await res.arrayBuffer()));
      },
    });
  };
}

const SetupBody = z.strictObject({
  email: z.email(),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(256),
  name: z.string().trim().min(1).max(100).default('Admin'),
});

export function setupRoutes(db: Database, auth: OperatorAuth) {
  return (app: ApiInstance) => {
    app.get(
      '/setup',
      {
        schema: {
          tags: ['operators'],
          description: 'Whether the first operator account still has to be made.',
          response: { 200: z.object({ needsFirstAdmin: z.boolean() }) },
        },
      },
      async () => ({ needsFirstAdmin: await needsFirstAdmin(db) }),
    );
    app.post(
      '/setup',
      {
        schema: {
          tags: ['operators'],
          description:
            'Makes the first operator account; 409 setup_done once any account exists. Then sign in at /api/auth/sign-in/email.',
          body: SetupBody,
          response: { 201: z.object({ id: z.string(), email: z.string() }) },
        },
      },
      async (req, reply) => reply.code(201).send(await createFirstAdmin(db, auth, req.body)),
    );
  };
}
