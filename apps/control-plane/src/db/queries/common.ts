import { ValidationError } from '../../errors.js';

export interface Page<T> {
  items: T[];
  /** Opaque; pass it back to get the next page. Null on the last page. */
  nextCursor: string | null;
}

/** Pages are ordered by (created_at, id); the cursor is the last row's pair, base64url-encoded. */
export function pageCursor(row: { createdAt: Date; id: string } | undefined): string | null {
  if (!row) return null;
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function parseCursor(cursor: string): { createdAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new ValidationError('cursor is not one this API returned', [
      { path: 'cursor', message: 'invalid cursor' },
    ]);
  }
  return { createdAt, id };
}

/** PostgreSQL's unique_violation, from node-postgres or PGlite (possibly wrapped by Drizzle). */
export function isUniqueViolation(err: unknown): boolean {
  return pgErrorCode(err) === '23505';
}

export function pgErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}
