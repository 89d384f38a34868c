import type { Tenant } from '@agentpod/shared';
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Database } from '../client.js';
import { newId } from '../ids.js';
import { pods, tenants } from '../schema.js';
import { isUniqueViolation, type Page, pageCursor, parseCursor } from './common.js';

type TenantRow = typeof tenants.$inferSelect;

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function createTenant(
  db: Database,
  input: { name: string; displayName?: string },
): Promise<Tenant> {
  try {
    const [row] = await db
      .insert(tenants)
      .values({
        id: newId('tenant'),
        name: input.name,
        displayName: input.displayName ?? input.name,
      })
      .returning();
    return toTenant(row as TenantRow);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ConflictError('tenant_name_taken', `a tenant named ${input.name} already exists`);
    }
    throw err;
  }
}

export async function getTenant(db: Database, id: string): Promise<Tenant> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id));
  if (!row) throw new NotFoundError('tenant', id);
  return toTenant(row);
}

export async function listTenants(
  db: Database,
  opts: { limit: number; cursor?: string | undefined },
): Promise<Page<Tenant>> {
  const after = opts.cursor ? parseCursor(opts.cursor) : undefined;
  const rows = await db
    .select()
    .from(tenants)
    .where(
      after
        ? or(
            gt(tenants.createdAt, after.createdAt),
            and(eq(tenants.createdAt, after.createdAt), gt(tenants.id, after.id)),
          )
        : undefined,
    )
    .orderBy(asc(tenants.createdAt), asc(tenants.id))
    .limit(opts.limit + 1);
  const items = rows.slice(0, opts.limit).map(toTenant);
  return { items, nextCursor: rows.length > opts.limit ? pageCursor(rows[opts.limit - 1]) : null };
}

export async function updateTenant(
  db: Database,
  id: string,
  patch: { displayName?: string | undefined },
): Promise<Tenant> {
  const [row] = await db
    .update(tenants)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(tenants.id, id))
    .returning();
  if (!row) throw new NotFoundError('tenant', id);
  return toTenant(row);
}

/** Refused while the tenant has pods that are not fully deleted; tombstones go with it. */
export async function deleteTenant(db: Database, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, id)).for('update');
    if (!tenant) throw new NotFoundError('tenant', id);
    // Pods whose deletion has finished are tombstones; they go with the tenant.
    await tx.execute(sql`DELETE FROM pods WHERE tenant_id = ${id} AND deleted_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM pod_status s WHERE s.pod_id = pods.id AND s.phase = 'deleted')`);
    const [left] = await tx
      .select({ id: pods.id })
      .from(pods)
      .where(eq(pods.tenantId, id))
      .limit(1);
    if (left) {
      throw new ConflictError('tenant_has_pods', `tenant ${id} still has pods; delete them first`);
    }
    await tx.delete(tenants).where(eq(tenants.id, id));
  });
}
