import type { AuditEntry } from '@agentpod/shared';
import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Database } from '../client.js';
import { newId } from '../ids.js';
import { auditLog } from '../schema.js';
import { type Page, pageCursor, parseCursor } from './common.js';

type AuditRow = typeof auditLog.$inferSelect;
export type AuditRecord = Omit<typeof auditLog.$inferInsert, 'id' | 'at'>;

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    method: row.method,
    path: row.path,
    status: row.status,
    ip: row.ip,
    userAgent: row.userAgent,
    detail: row.detail ?? null,
  };
}

export async function recordAudit(db: Database, entry: AuditRecord): Promise<void> {
  await db.insert(auditLog).values({ id: newId('audit'), ...entry });
}

export interface AuditFilter {
  limit: number;
  cursor?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  before?: string | undefined;
}

/** Newest first; the cursor pages further into the past, within the filter. */
export async function listAudit(db: Database, f: AuditFilter): Promise<Page<AuditEntry>> {
  const after = f.cursor ? parseCursor(f.cursor) : undefined;
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        f.actor ? eq(auditLog.actor, f.actor) : undefined,
        f.action ? eq(auditLog.action, f.action) : undefined,
        f.target ? eq(auditLog.target, f.target) : undefined,
        f.before ? lt(auditLog.at, new Date(f.before)) : undefined,
        after
          ? or(
              lt(auditLog.at, after.createdAt),
              and(eq(auditLog.at, after.createdAt), lt(auditLog.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toEntry),
    nextCursor:
      rows.length > f.limit && last ? pageCursor({ createdAt: last.at, id: last.id }) : null,
  };
}

/** Deletes entries older than `before`; returns how many. */
export async function pruneAudit(db: Database, before: Date): Promise<number> {
  const rows = await db
    .delete(auditLog)
    .where(lt(auditLog.at, before))
    .returning({ id: auditLog.id });
  return rows.length;
}
