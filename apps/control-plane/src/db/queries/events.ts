import type { EventReason, EventType, PodEvent } from '@agentpod/shared';
import { and, asc, desc, eq, gt, gte, inArray, lt, or } from 'drizzle-orm';
import type { Database } from '../client.js';
import { newId } from '../ids.js';
import { podEvents } from '../schema.js';
import { type Page, pageCursor, parseCursor } from './common.js';

type EventRow = typeof podEvents.$inferSelect;

function toEvent(row: EventRow): PodEvent {
  return {
    id: row.id,
    podId: row.podId,
    type: row.type,
    reason: row.reason as EventReason,
    message: row.message,
    createdAt: row.createdAt.toISOString(),
  };
}

/** An event to record; its id and time are given when it is written. */
export interface NewEvent {
  podId: string;
  type?: EventType;
  reason: EventReason;
  message: string;
}

export async function recordEvent(db: Database, event: NewEvent): Promise<PodEvent> {
  const [row] = await db
    .insert(podEvents)
    .values({
      id: newId('event'),
      podId: event.podId,
      type: event.type ?? 'normal',
      reason: event.reason,
      message: event.message,
    })
    .returning();
  return toEvent(row as EventRow);
}

export interface EventFilter {
  limit: number;
  cursor?: string | undefined;
  reason?: EventReason[] | undefined;
  type?: EventType | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** Newest first; the cursor pages further into the past, within the filter. */
export async function listEvents(
  db: Database,
  podId: string,
  opts: EventFilter,
): Promise<Page<PodEvent>> {
  const before = opts.cursor ? parseCursor(opts.cursor) : undefined;
  const rows = await db
    .select()
    .from(podEvents)
    .where(
      and(
        eq(podEvents.podId, podId),
        opts.reason && opts.reason.length > 0 ? inArray(podEvents.reason, opts.reason) : undefined,
        opts.type ? eq(podEvents.type, opts.type) : undefined,
        opts.since ? gte(podEvents.createdAt, new Date(opts.since)) : undefined,
        opts.until ? lt(podEvents.createdAt, new Date(opts.until)) : undefined,
        before
          ? or(
              lt(podEvents.createdAt, before.createdAt),
              and(eq(podEvents.createdAt, before.createdAt), lt(podEvents.id, before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(podEvents.createdAt), desc(podEvents.id))
    .limit(opts.limit + 1);
  const page = rows.slice(0, opts.limit);
  return {
    items: page.map(toEvent),
    nextCursor: rows.length > opts.limit ? pageCursor(page[page.length - 1]) : null,
  };
}

export async function getEvent(db: Database, id: string): Promise<PodEvent | null> {
  const [row] = await db.select().from(podEvents).where(eq(podEvents.id, id));
  return row ? toEvent(row) : null;
}

/**
 * Every pod's events after `afterId`, oldest first, starting `overlapMs` earlier than that id's
 * time: an event committed after a later one (two writers) is still found. Callers dedupe.
 */
export async function listEventsSince(
  db: Database,
  afterId: string,
  opts: { overlapMs: number; limit: number },
): Promise<PodEvent[]> {
  const rows = await db
    .select()
    .from(podEvents)
    .where(gt(podEvents.id, opts.overlapMs > 0 ? idBefore(afterId, opts.overlapMs) : afterId))
    .orderBy(asc(podEvents.id))
    .limit(opts.limit);
  return rows.map(toEvent);
}

/** The smallest event id of `overlapMs` before the time in `id` (ids start with their time). */
function idBefore(id: string, overlapMs: number): string {
  const [prefix, body = ''] = id.split('_');
  const time = Number.parseInt(body.slice(0, 9), 36);
  if (!prefix || Number.isNaN(time)) return id;
  return `${prefix}_${Math.max(0, time - overlapMs)
    .toString(36)
    .padStart(9, '0')}`;
}

/** These events, oldest first; ids that do not exist are left out. */
export async function getEventsById(db: Database, ids: string[]): Promise<PodEvent[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(podEvents)
    .where(inArray(podEvents.id, ids))
    .orderBy(asc(podEvents.id));
  return rows.map(toEvent);
}
