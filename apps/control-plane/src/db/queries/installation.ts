import { randomBytes } from 'node:crypto';
import type { Database } from '../client.js';
import { installation } from '../schema.js';

/** 12 lowercase base-36 characters: short enough for Docker object names, random enough. */
function newInstallationId(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .padStart(13, '0')
    .slice(-12);
}

/**
 * This installation's id, made on the first start and kept in the database (so a restored
 * database keeps its objects, and two databases on one Docker host never share theirs).
 */
export async function ensureInstallationId(db: Database): Promise<string> {
  await db.insert(installation).values({ id: newInstallationId() }).onConflictDoNothing();
  const [row] = await db.select({ id: installation.id }).from(installation);
  if (!row) throw new Error('the installation row is missing right after it was written');
  return row.id;
}
