import type { PodStatsPoint, PodUsage } from '@agentpod/shared';
import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../client.js';
import { podEvents, podStatus, pods, podUsage } from '../schema.js';

/** Raw samples, at the collector's interval. */
export const RAW = 0;
/** Rollups: one row per pod and 5 minutes. */
export const ROLLUP_SECONDS = 300;

/** Running pods with a container: the only ones sampled (nothing for a stopped pod). */
export async function listPodsToSample(db: Database) {
  return db
    .select({ podId: podStatus.podId, containerId: podStatus.containerId })
    .from(podStatus)
    .innerJoin(pods, eq(pods.id, podStatus.podId))
    .where(
      and(
        isNull(pods.deletedAt),
        eq(pods.desiredState, 'running'),
        eq(podStatus.phase, 'running'),
        isNotNull(podStatus.containerId),
      ),
    ) as Promise<{ podId: string; containerId: string }[]>;
}

/**
 * Running pods that already have a resource sample, with their last volume figure: the volume
 * pass adds to a sample rather than making a usage object of its own.
 */
export async function listVolumesToMeasure(db: Database) {
  return queryRows<{ podId: string; containerId: string; high: boolean | null }>(
    db,
    sql`SELECT s.pod_id AS "podId", s.container_id AS "containerId",
        (s.usage->'volume'->>'high')::boolean AS high
      FROM pod_status s JOIN pods p ON p.id = s.pod_id
      WHERE p.deleted_at IS NULL AND p.desired_state = 'running' AND s.phase = 'running'
        AND s.container_id IS NOT NULL AND s.usage IS NOT NULL`,
  );
}

export interface VolumeSample {
  podId: string;
  containerId: string;
  volume: NonNullable<PodUsage['volume']>;
}

/** One volume pass, in one statement; only for the container measured and while it runs. */
export async function recordVolumeUsage(db: Database, samples: VolumeSample[]): Promise<void> {
  if (samples.length === 0) return;
  const rows = JSON.stringify(
    samples.map((s) => ({ pod_id: s.podId, container_id: s.containerId, volume: s.volume })),
  );
  await db.execute(sql`
    UPDATE pod_status AS s SET usage = s.usage || jsonb_build_object('volume', v.volume)
    FROM jsonb_to_recordset(${rows}::jsonb) AS v(pod_id text, container_id text, volume jsonb)
    WHERE s.pod_id = v.pod_id AND s.container_id = v.container_id AND s.phase = 'running'
      AND s.usage IS NOT NULL`);
}

export interface UsageSample {
  podId: string;
  usage: PodUsage;
  rates: {
    networkRxBytesPerSecond: number;
    networkTxBytesPerSecond: number;
    blockReadBytesPerSecond: number;
    blockWriteBytesPerSecond: number;
  };
}

/** The usage column alone of these pods (after a `usage:<id>` notice, watch/pod-cache.ts). */
export async function getUsageByPodIds(
  db: Database,
  ids: string[],
): Promise<{ podId: string; usage: PodUsage | null }[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ podId: podStatus.podId, usage: podStatus.usage })
    .from(podStatus)
    .where(inArray(podStatus.podId, ids));
  return rows.map((r) => ({ podId: r.podId, usage: (r.usage as PodUsage | null) ?? null }));
}

/**
 * One collector pass in one statement: the raw series rows and every sampled pod's latest usage.
 * The samples travel as one JSON parameter: with a thousand pods, the query builder's
 * thirteen parameters a row cost more CPU than the whole stats pass (docs/performance.md).
 */
export async function recordUsage(db: Database, samples: UsageSample[]): Promise<void> {
  if (samples.length === 0) return;
  const rows = JSON.stringify(
    samples.map((s) => ({ pod_id: s.podId, usage: s.usage, rates: s.rates })),
  );
  const number = (from: 'usage' | 'rates', key: string) =>
    sql.raw(`(v.${from}->>'${key}')::double precision`);
  await db.execute(sql`
    WITH v AS (
      SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS v(pod_id text, usage jsonb, rates jsonb)
    ), series AS (
      INSERT INTO pod_usage (pod_id, at, resolution, cpu_percent, cpu_percent_max, memory_bytes,
        memory_bytes_max, memory_limit_bytes, pids, network_rx_bps, network_tx_bps,
        block_read_bps, block_write_bps)
      SELECT v.pod_id, (v.usage->>'at')::timestamptz, ${RAW}, ${number('usage', 'cpuPercent')},
        ${number('usage', 'cpuPercent')}, ${number('usage', 'memoryBytes')},
        ${number('usage', 'memoryBytes')}, ${number('usage', 'memoryLimitBytes')},
        ${number('usage', 'pids')}, ${number('rates', 'networkRxBytesPerSecond')},
        ${number('rates', 'networkTxBytesPerSecond')}, ${number('rates', 'blockReadBytesPerSecond')},
        ${number('rates', 'blockWriteBytesPerSecond')}
      FROM v
      ON CONFLICT DO NOTHING
    )
    -- Only pods still running get it: a pod that stopped since the pass began has had its usage
    -- cleared by its reconcile.
    UPDATE pod_status AS s SET usage = CASE
      -- The volume's figure comes from its own, slower pass (stats/volume-usage.ts): keep it.
      WHEN s.usage->'volume' IS NULL THEN v.usage
      ELSE v.usage || jsonb_build_object('volume', s.usage->'volume') END
    FROM v
    WHERE s.pod_id = v.pod_id AND s.phase = 'running'`);
}

/**
 * Folds raw samples into 5-minute rows for every bucket that ended before `until`. Buckets
 * already folded are left as they are, so passes may overlap.
 */
export async function rollUpUsage(db: Database, since: Date, until: Date): Promise<void> {
  await db.execute(sql`
    INSERT INTO pod_usage (pod_id, at, resolution, cpu_percent, cpu_percent_max, memory_bytes,
      memory_bytes_max, memory_limit_bytes, pids, network_rx_bps, network_tx_bps,
      block_read_bps, block_write_bps)
    SELECT pod_id, b.bucket, ${ROLLUP_SECONDS}, avg(cpu_percent), max(cpu_percent_max),
      avg(memory_bytes), max(memory_bytes_max), max(memory_limit_bytes), max(pids),
      avg(network_rx_bps), avg(network_tx_bps), avg(block_read_bps), avg(block_write_bps)
    FROM pod_usage,
      LATERAL (SELECT date_bin(interval '${sql.raw(String(ROLLUP_SECONDS))} seconds', at,
        timestamptz '2000-01-01') AS bucket) AS b
    WHERE resolution = ${RAW} AND at >= ${since.toISOString()}::timestamptz
      AND b.bucket + interval '${sql.raw(String(ROLLUP_SECONDS))} seconds' <= ${until.toISOString()}::timestamptz
    GROUP BY pod_id, b.bucket
    ON CONFLICT DO NOTHING`);
}

/** The retention policy: raw samples, rollups and events older than their limits go. */
export async function pruneHistory(
  db: Database,
  before: { raw: Date; rollup: Date; events: Date },
): Promise<{ samples: number; events: number }> {
  const raw = await db
    .delete(podUsage)
    .where(and(eq(podUsage.resolution, RAW), lt(podUsage.at, before.raw)))
    .returning({ podId: podUsage.podId });
  const rollups = await db
    .delete(podUsage)
    .where(and(eq(podUsage.resolution, ROLLUP_SECONDS), lt(podUsage.at, before.rollup)))
    .returning({ podId: podUsage.podId });
  const events = await db
    .delete(podEvents)
    .where(lt(podEvents.createdAt, before.events))
    .returning({ id: podEvents.id });
  return { samples: raw.length + rollups.length, events: events.length };
}

/** A pod's series in buckets of `stepSeconds`, from raw samples or rollups, oldest first. */
export async function usageSeries(
  db: Database,
  podId: string,
  q: { since: Date; until: Date; stepSeconds: number; resolution: number },
): Promise<PodStatsPoint[]> {
  const rows = await queryRows<Record<string, number | string | null>>(
    db,
    sql`
      SELECT date_bin(make_interval(secs => ${q.stepSeconds}), at, timestamptz '2000-01-01') AS at,
        avg(cpu_percent) AS cpu, max(cpu_percent_max) AS cpu_max,
        avg(memory_bytes) AS mem, max(memory_bytes_max) AS mem_max,
        max(memory_limit_bytes) AS mem_limit, max(pids) AS pids,
        avg(network_rx_bps) AS rx, avg(network_tx_bps) AS tx,
        avg(block_read_bps) AS rd, avg(block_write_bps) AS wr
      FROM pod_usage
      WHERE pod_id = ${podId} AND resolution = ${q.resolution}
        AND at >= ${q.since.toISOString()}::timestamptz AND at < ${q.until.toISOString()}::timestamptz
      GROUP BY 1 ORDER BY 1`,
  );
  const num = (v: number | string | null | undefined) =>
    v === null || v === undefined ? null : Number(v);
  return rows.map((r) => ({
    at: new Date(r.at as string).toISOString(),
    cpuPercent: num(r.cpu),
    cpuPercentMax: num(r.cpu_max),
    memoryBytes: num(r.mem) ?? 0,
    memoryBytesMax: num(r.mem_max) ?? 0,
    memoryLimitBytes: num(r.mem_limit) ?? 0,
    pids: num(r.pids) ?? 0,
    networkRxBytesPerSecond: num(r.rx) ?? 0,
    networkTxBytesPerSecond: num(r.tx) ?? 0,
    blockReadBytesPerSecond: num(r.rd) ?? 0,
    blockWriteBytesPerSecond: num(r.wr) ?? 0,
  }));
}
