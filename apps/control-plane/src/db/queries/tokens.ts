import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '@agentpod/shared';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { NotFoundError } from '../../errors.js';
import type { Database } from '../client.js';
import { newId } from '../ids.js';
import { apiTokens } from '../schema.js';

type TokenRow = typeof apiTokens.$inferSelect;

/** Tokens look like `ap_<43 base64url chars>` (256 random bits): easy to spot in a leaked log. */
const TOKEN_PREFIX = 'ap_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toApiToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

/** Creates a token and returns its plain value: the only time it is ever available. */
export async function createApiToken(
  db: Database,
  name: string,
  opts: { expiresAt?: Date | undefined } = {},
): Promise<{ token: string; record: ApiToken }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const [row] = await db
    .insert(apiTokens)
    .values({
      id: newId('token'),
      name,
      tokenHash: hashToken(token),
      prefix: token.slice(0, 10),
      expiresAt: opts.expiresAt ?? null,
    })
    .returning();
  return { token, record: toApiToken(row as TokenRow) };
}

/**
 * The token's record if it is valid, not revoked and not expired (`'expired'` when it was once
 * valid but has expired, so the client can be told to make a new one); records the use (at
 * most once a minute).
 */
export async function verifyApiToken(
  db: Database,
  token: string,
): Promise<ApiToken | 'expired' | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const hash = hashToken(token);
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
  // The lookup is by hash, so timing reveals nothing about the token; compare anyway to be explicit.
  if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(hash))) return null;
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return 'expired';
  // At most one write a minute per token: every API request passes here.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, row.id));
  }
  return toApiToken(row);
}

export async function listApiTokens(db: Database): Promise<ApiToken[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
  return rows.map(toApiToken);
}

export async function countActiveApiTokens(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(apiTokens)
    .where(isNull(apiTokens.revokedAt));
  return row?.n ?? 0;
}

export async function revokeApiToken(db: Database, id: string): Promise<void> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, now())` })
    .where(eq(apiTokens.id, id))
    .returning({ id: apiTokens.id });
  if (!row) throw new NotFoundError('token', id);
}
