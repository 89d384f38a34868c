import { RegistryCredential, RegistryCredentialList } from '@agentpod/shared';
import { z } from 'zod';
import type { RegistryCredentials } from '../registries/service.js';
import type { ApiInstance } from './app.js';
import { OneLine } from './schemas.js';

const tags = ['registries'];

const RegistryParams = z.strictObject({
  registry: z
    .string()
    .min(1)
    .max(255)
    .describe('`ghcr.io`, `registry.example.com:5000`, `docker.io`'),
});
const PutRegistryBody = z.strictObject({
  username: OneLine(255),
  password: z.string().min(1).max(16_384),
});

/** Credentials for private registries: the password is write-only. */
export function registryRoutes(registries: RegistryCredentials) {
  return (app: ApiInstance) => {
    app.get(
      '/registries',
      { schema: { tags, response: { 200: RegistryCredentialList } } },
      async () => ({ items: await registries.list() }),
    );
    app.put(
      '/registries/:registry',
      {
        schema: {
          tags,
          description:
            'Sets the credential pulls from this registry use. Pulls that gave up are tried again at once.',
          params: RegistryParams,
          body: PutRegistryBody,
          response: { 200: RegistryCredential },
        },
      },
      (req) => registries.put(req.params.registry, req.body),
    );
    app.delete(
      '/registries/:registry',
      { schema: { tags, params: RegistryParams, response: { 204: z.null() } } },
      async (req, reply) => {
        await registries.remove(req.params.registry);
        return reply.code(204).send(null);
      },
    );
  };
}
