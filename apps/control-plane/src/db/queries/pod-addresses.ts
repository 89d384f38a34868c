import type { EgressPolicy } from '@agentpod/shared';
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Database } from '../client.js';
import { podStatus, pods } from '../schema.js';

/**
 * Every live pod that holds a container address, whatever its phase: a pod that is starting
 * can already open connections, so its egress rules must be in place.
 */
export async function listPodAddresses(
  db: Database,
): Promise<{ podId: string; ip: string; egress: EgressPolicy }[]> {
  const rows = await db
    .select({ podId: pods.id, ip: podStatus.ipAddress, egress: pods.egress })
    .from(pods)
    .innerJoin(podStatus, eq(podStatus.podId, pods.id))
    .where(and(isNull(pods.deletedAt), isNotNull(podStatus.ipAddress)));
  return rows.flatMap((r) => (r.ip ? [{ podId: r.podId, ip: r.ip, egress: r.egress }] : []));
}
