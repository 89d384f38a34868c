import { Tenant } from '@agentpod/shared';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import {
  createTenant,
  deleteTenant,
  getTenant,
  listTenants,
  updateTenant,
} from '../db/queries/tenants.js';
import type { PodCache } from '../watch/pod-cache.js';
import type { ApiInstance } from './app.js';
import {
  CreateTenantBody,
  TenantIdParams,
  TenantListQuery,
  TenantPage,
  UpdateTenantBody,
} from './schemas.js';

const tags = ['tenants'];

export function tenantRoutes(db: Database, podCache: PodCache) {
  return (app: ApiInstance) => {
    app.post(
      '/tenants',
      { schema: { tags, body: CreateTenantBody, response: { 201: Tenant } } },
      async (req, reply) => reply.code(201).send(await createTenant(db, req.body)),
    );
    app.get(
      '/tenants',
      { schema: { tags, querystring: TenantListQuery, response: { 200: TenantPage } } },
      (req) => listTenants(db, req.query),
    );
    app.get(
      '/tenants/:id',
      { schema: { tags, params: TenantIdParams, response: { 200: Tenant } } },
      (req) => getTenant(db, req.params.id),
    );
    app.patch(
      '/tenants/:id',
      {
        schema: { tags, params: TenantIdParams, body: UpdateTenantBody, response: { 200: Tenant } },
      },
      (req) => updateTenant(db, req.params.id, req.body),
    );
    app.delete(
      '/tenants/:id',
      {
        schema: {
          tags,
          description: 'Refused with 409 tenant_has_pods while the tenant has pods.',
          params: TenantIdParams,
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        await deleteTenant(db, req.params.id);
        // Its pods' tombstones went with it: this process's next read must not find them.
        await podCache.refreshTenant(req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
