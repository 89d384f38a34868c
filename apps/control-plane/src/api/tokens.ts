import { ApiTokenList, CreatedApiToken, TokenId } from '@agentpod/shared';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../db/queries/tokens.js';
import type { ApiInstance } from './app.js';
import { OneLine } from './schemas.js';
import type { ApiTokenCache } from './token-cache.js';

const tags = ['tokens'];
const CreateTokenBody = z.strictObject({
  name: OneLine(200),
  /** Without it the token does not expire. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
const TokenIdParams = z.strictObject({ id: TokenId });

/**
 * Admin API tokens, over the API so that `agentpod token` works while a server holds the
 * embedded database. Values are shown once, in the create answer; lists carry neither value
 * nor hash.
 */
export function tokenRoutes(db: Database, cache: ApiTokenCache) {
  return (app: ApiInstance) => {
    app.post(
      '/tokens',
      { schema: { tags, body: CreateTokenBody, response: { 201: CreatedApiToken } } },
      async (req, reply) => {
        const days = req.body.expiresInDays;
        const { token, record } = await createApiToken(db, req.body.name, {
          expiresAt: days ? new Date(Date.now() + days * 86_400_000) : undefined,
        });
        const { id, name, prefix, createdAt, expiresAt } = record;
        return reply.code(201).send({ id, name, prefix, createdAt, expiresAt, token });
      },
    );
    app.get('/tokens', { schema: { tags, response: { 200: ApiTokenList } } }, async () => ({
      items: await listApiTokens(db),
    }));
    app.delete(
      '/tokens/:id',
      {
        schema: {
          tags,
          description: 'Revokes the token; revoking a revoked one changes nothing.',
          params: TokenIdParams,
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        await revokeApiToken(db, req.params.id);
        cache.forget(req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
