import { CreatedPod, PodWithStatus } from '@agentpod/shared';
import type { FastifyReply } from 'fastify';
import type { PodService } from '../pods/service.js';
import type { PodCache } from '../watch/pod-cache.js';
import type { ApiInstance } from './app.js';
import {
  CreatePodBody,
  DeletePodQuery,
  PodIdParams,
  PodListQuery,
  PodPage,
  UpdatePodBody,
} from './schemas.js';

const tags = ['pods'];

/**
 * Sends JSON the pod cache serialized once per change, past the route's serializer: the schema
 * was applied when the entry was made (watch/pod-cache.ts), so doing it per request would only
 * repeat it. The declared response schemas still document the routes.
 */
function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

/**
 * Writes return at once with the desired state and the last observed status; the reconciler
 * does the Docker work and the status catches up (poll GET /pods/:id or its events).
 */
export function podRoutes(cache: PodCache, pods: PodService) {
  return (app: ApiInstance) => {
    app.post(
      '/pods',
      {
        schema: {
          tags,
          description:
            "revealedSecrets holds the adapter's generated secrets that are shown once (e.g. Open WebUI's first admin password); no other answer carries them.",
          body: CreatePodBody,
          response: { 201: CreatedPod },
        },
      },
      async (req, reply) => reply.code(201).send(await pods.create(req.body)),
    );
    app.get(
      '/pods',
      { schema: { tags, querystring: PodListQuery, response: { 200: PodPage } } },
      async (req, reply) => sendJson(reply, await cache.listJson(req.query)),
    );
    app.get(
      '/pods/:id',
      { schema: { tags, params: PodIdParams, response: { 200: PodWithStatus } } },
      async (req, reply) => sendJson(reply, (await cache.get(req.params.id)).json),
    );
    app.patch(
      '/pods/:id',
      {
        schema: {
          tags,
          description:
            'config is a JSON merge patch (null removes a key); secrets: a value sets, null removes. A changed spec recreates the container; the state volume is kept.',
          params: PodIdParams,
          body: UpdatePodBody,
          response: { 200: PodWithStatus },
        },
      },
      (req) => pods.update(req.params.id, req.body),
    );
    app.delete(
      '/pods/:id',
      {
        schema: {
          tags,
          description: 'Removes container and network; the state volume is kept unless purge=true.',
          params: PodIdParams,
          querystring: DeletePodQuery,
          response: { 202: PodWithStatus },
        },
      },
      async (req, reply) =>
        reply.code(202).send(await pods.delete(req.params.id, { purge: req.query.purge })),
    );
    const power = { schema: { tags, params: PodIdParams, response: { 202: PodWithStatus } } };
    app.post('/pods/:id/start', power, async (req, reply) =>
      reply.code(202).send(await pods.setPower(req.params.id, 'running')),
    );
    app.post('/pods/:id/stop', power, async (req, reply) =>
      reply.code(202).send(await pods.setPower(req.params.id, 'stopped')),
    );
    app.post('/pods/:id/restart', power, async (req, reply) =>
      reply.code(202).send(await pods.restart(req.params.id)),
    );
    app.post(
      '/pods/:id/gateway-token/rotate',
      {
        schema: {
          ...power.schema,
          description:
            'A new gateway token; the reconciler restarts the agent with it, and the old token (and every access link made with it) stops working. Recorded as GatewayTokenRotated, never with the value.',
        },
      },
      async (req, reply) => reply.code(202).send(await pods.rotateGatewayToken(req.params.id)),
    );
  };
}
