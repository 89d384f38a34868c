import type {
  EgressPolicy,
  ImagePull,
  Pod,
  PodExit,
  PodPhase,
  PodResources,
  PodStatus,
  PodUsage,
  PodWithStatus,
  PowerState,
} from '@agentpod/shared';
import { and, asc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { ResyncRow } from '../../reconciler/resync.js';
import type { Database } from '../client.js';
import { newId } from '../ids.js';
import { type ExitMark, podSecrets, podStatus, pods } from '../schema.js';
import { isUniqueViolation, type Page, pageCursor, parseCursor, pgErrorCode } from './common.js';

type PodRow = typeof pods.$inferSelect;
type StatusRow = typeof podStatus.$inferSelect;

export interface NewPod {
  tenantId: string;
  name: string;
  subdomain: string;
  agentType: string;
  image: string | null;
  config: Record<string, unknown>;
  resources: PodResources;
  /** Defaults to `internet`, like the column. */
  egress?: EgressPolicy | undefined;
  desiredState: PowerState;
  /** Encrypted secret values by name, bound to `id` (secrets/secret-box.ts). */
  secrets: Record<string, string>;
  /** Chosen by the caller when the secrets must be encrypted for it before the insert. */
  id?: string | undefined;
}

export interface PodPatch {
  name?: string | undefined;
  image?: string | null | undefined;
  config?: Record<string, unknown> | undefined;
  resources?: PodResources | undefined;
  egress?: EgressPolicy | undefined;
  desiredState?: PowerState | undefined;
  /** Ask for the container to be restarted (it must start after now). */
  restart?: boolean | undefined;
  /** Encrypted values to set, and names to remove. */
  secrets?: { set: Record<string, string>; unset: string[] } | undefined;
}

function toPod(row: PodRow, secretRefs: string[]): Pod {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    subdomain: row.subdomain,
    agentType: row.agentType,
    image: row.image,
    config: row.config,
    secretRefs: [...secretRefs].sort(),
    resources: { memoryMb: row.memoryMb, cpus: row.cpus, pidsLimit: row.pidsLimit },
    egress: row.egress,
    desiredState: row.desiredState,
    generation: row.generation,
    restartRequestedAt: row.restartRequestedAt?.toISOString() ?? null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toStatus(row: StatusRow): PodStatus {
  return {
    podId: row.podId,
    phase: row.phase as PodPhase,
    containerId: row.containerId,
    health: row.health as PodStatus['health'],
    restarts: row.restarts,
    lastError: row.lastError,
    observedGeneration: row.observedGeneration,
    specHash: row.specHash,
    subnet: row.subnet,
    ipAddress: row.ipAddress,
    image: { ref: row.imageRef, pinned: row.imagePinned, pull: row.imagePull ?? null },
    usage: row.usage ?? null,
    lastExit: exitView(row.lastExit ?? null),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The API's view of a mark: null until the container has exited once. */
export function exitView(mark: ExitMark | null): PodExit | null {
  if (!mark?.at) return null;
  return {
    at: mark.at,
    exitCode: mark.exitCode,
    oomKilled: mark.oomKilled,
    restartCount: mark.restartCount,
  };
}

async function withDetails(db: Database, rows: PodRow[]): Promise<PodWithStatus[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [statuses, secrets] = await Promise.all([
    db.select().from(podStatus).where(inArray(podStatus.podId, ids)),
    db
      .select({ podId: podSecrets.podId, name: podSecrets.name })
      .from(podSecrets)
      .where(inArray(podSecrets.podId, ids)),
  ]);
  return assemble(rows, statuses, secrets);
}

function assemble(
  rows: PodRow[],
  statuses: StatusRow[],
  secrets: { podId: string; name: string }[],
): PodWithStatus[] {
  const statusById = new Map(statuses.map((s) => [s.podId, s]));
  const secretNames = new Map<string, string[]>();
  for (const s of secrets) secretNames.set(s.podId, [...(secretNames.get(s.podId) ?? []), s.name]);
  return rows.map((row) => {
    const status = statusById.get(row.id);
    if (!status) throw new Error(`pod ${row.id} has no status row`);
    return { ...toPod(row, secretNames.get(row.id) ?? []), status: toStatus(status) };
  });
}

/**
 * Every pod row, tombstones included, with its status and secret names: the pod cache's load.
 * Pods first, then statuses: a pod and its status row are made in one transaction, so each pod
 * read has its status by the time the statuses are read.
 */
export async function listAllPods(db: Database): Promise<PodWithStatus[]> {
  const rows = await db.select().from(pods);
  const statuses = await db.select().from(podStatus);
  const secrets = await db
    .select({ podId: podSecrets.podId, name: podSecrets.name })
    .from(podSecrets);
  return assemble(rows, statuses, secrets);
}

export async function createPod(db: Database, input: NewPod): Promise<PodWithStatus> {
  const id = input.id ?? newId('pod');
  try {
    await db.transaction(async (tx) => {
      await tx.insert(pods).values({
        id,
        tenantId: input.tenantId,
        name: input.name,
        subdomain: input.subdomain,
        agentType: input.agentType,
        image: input.image,
        config: input.config,
        memoryMb: input.resources.memoryMb,
        cpus: input.resources.cpus,
        pidsLimit: input.resources.pidsLimit,
        egress: input.egress ?? { mode: 'internet' },
        desiredState: input.desiredState,
      });
      await tx.insert(podStatus).values({ podId: id });
      const secretRows = Object.entries(input.secrets).map(([name, ciphertext]) => ({
        podId: id,
        name,
        ciphertext,
      }));
      if (secretRows.length > 0) await tx.insert(podSecrets).values(secretRows);
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ConflictError(
        'subdomain_taken',
        `the subdomain ${input.subdomain} is already in use`,
      );
    }
    if (pgErrorCode(err) === '23503') throw new NotFoundError('tenant', input.tenantId);
    throw err;
  }
  return getPod(db, id);
}

export async function getPod(db: Database, id: string): Promise<PodWithStatus> {
  const rows = await db.select().from(pods).where(eq(pods.id, id));
  const [pod] = await withDetails(db, rows);
  if (!pod) throw new NotFoundError('pod', id);
  return pod;
}

/** Several pods at once, in no particular order; unknown ids are left out. */
export async function getPodsById(db: Database, ids: string[]): Promise<PodWithStatus[]> {
  if (ids.length === 0) return [];
  return withDetails(db, await db.select().from(pods).where(inArray(pods.id, ids)));
}

/** Every pod whose deletion has not finished: a live view's starting point. */
export async function listLivePods(db: Database): Promise<PodWithStatus[]> {
  const rows = await db
    .select({ pod: pods })
    .from(pods)
    .innerJoin(podStatus, eq(podStatus.podId, pods.id))
    .where(or(isNull(pods.deletedAt), sql`${podStatus.phase} <> 'deleted'`))
    .orderBy(asc(pods.createdAt), asc(pods.id));
  return withDetails(
    db,
    rows.map((r) => r.pod),
  );
}

export interface PodFilter {
  tenantId?: string | undefined;
  agentType?: string | undefined;
  phase?: PodPhase | undefined;
  includeDeleted?: boolean | undefined;
}

export async function listPods(
  db: Database,
  filter: PodFilter & { limit: number; cursor?: string | undefined },
): Promise<Page<PodWithStatus>> {
  const after = filter.cursor ? parseCursor(filter.cursor) : undefined;
  const conditions: (SQL | undefined)[] = [
    filter.tenantId ? eq(pods.tenantId, filter.tenantId) : undefined,
    filter.agentType ? eq(pods.agentType, filter.agentType) : undefined,
    filter.includeDeleted ? undefined : isNull(pods.deletedAt),
    filter.phase
      ? inArray(
          pods.id,
          db
            .select({ id: podStatus.podId })
            .from(podStatus)
            .where(eq(podStatus.phase, filter.phase)),
        )
      : undefined,
    after
      ? or(
          gt(pods.createdAt, after.createdAt),
          and(eq(pods.createdAt, after.createdAt), gt(pods.id, after.id)),
        )
      : undefined,
  ];
  const rows = await db
    .select()
    .from(pods)
    .where(and(...conditions))
    .orderBy(asc(pods.createdAt), asc(pods.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  return {
    items: await withDetails(db, page),
    nextCursor: rows.length > filter.limit ? pageCursor(page[page.length - 1]) : null,
  };
}

/** Applies a change to the desired state and bumps the generation, atomically. */
export async function updatePod(db: Database, id: string, patch: PodPatch): Promise<PodWithStatus> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(pods)
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.image !== undefined && { image: patch.image }),
        ...(patch.config !== undefined && { config: patch.config }),
        ...(patch.desiredState !== undefined && { desiredState: patch.desiredState }),
        ...(patch.egress !== undefined && { egress: patch.egress }),
        ...(patch.restart && { restartRequestedAt: sql`now()` }),
        ...(patch.resources !== undefined && {
          memoryMb: patch.resources.memoryMb,
          cpus: patch.resources.cpus,
          pidsLimit: patch.resources.pidsLimit,
        }),
        generation: sql`${pods.generation} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(pods.id, id), isNull(pods.deletedAt)))
      .returning({ id: pods.id });
    if (!row) throw new NotFoundError('pod', id);
    if (patch.secrets) {
      const { set, unset } = patch.secrets;
      if (unset.length > 0) {
        await tx
          .delete(podSecrets)
          .where(and(eq(podSecrets.podId, id), inArray(podSecrets.name, unset)));
      }
      for (const [name, ciphertext] of Object.entries(set)) {
        await tx
          .insert(podSecrets)
          .values({ podId: id, name, ciphertext })
          .onConflictDoUpdate({
            target: [podSecrets.podId, podSecrets.name],
            set: { ciphertext, updatedAt: sql`now()` },
          });
      }
    }
  });
  return getPod(db, id);
}

/** Marks the pod for deletion; the reconciler removes its objects and then marks it deleted. */
export async function requestPodDeletion(
  db: Database,
  id: string,
  opts: { purge: boolean },
): Promise<PodWithStatus> {
  const [row] = await db
    .update(pods)
    .set({
      deletedAt: sql`coalesce(${pods.deletedAt}, now())`,
      purge: sql`${pods.purge} OR ${opts.purge}`,
      generation: sql`${pods.generation} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(pods.id, id))
    .returning({ id: pods.id });
  if (!row) throw new NotFoundError('pod', id);
  return getPod(db, id);
}

/** Whether deletion was asked with purge (the state volume goes too). */
export async function isPurgeRequested(db: Database, id: string): Promise<boolean> {
  const [row] = await db.select({ purge: pods.purge }).from(pods).where(eq(pods.id, id));
  return row?.purge ?? false;
}

/** The columns of an observed-status write; the image fields are flat here, nested in the API. */
export type StatusWrite = Partial<
  Omit<PodStatus, 'podId' | 'updatedAt' | 'image' | 'usage' | 'lastExit'>
> & {
  imageRef?: string | null;
  imagePinned?: string | null;
  imagePull?: ImagePull | null;
  usage?: PodUsage | null;
  /** With the container it belongs to: a new container starts with no exit to account for. */
  lastExit?: ExitMark | null;
};

/** Written by the reconciler only, from what it observed. */
export async function writePodStatus(
  db: Database,
  podId: string,
  status: StatusWrite,
): Promise<void> {
  await db
    .update(podStatus)
    .set({ ...status, updatedAt: sql`now()` })
    .where(eq(podStatus.podId, podId));
}

export async function countRestart(db: Database, podId: string): Promise<void> {
  await db
    .update(podStatus)
    .set({ restarts: sql`${podStatus.restarts} + 1`, updatedAt: sql`now()` })
    .where(eq(podStatus.podId, podId));
}

/** Live pods that want to run and were seen running: the candidates for a proxy route. */
export async function listRunningPods(db: Database) {
  return db
    .select({
      id: pods.id,
      tenantId: pods.tenantId,
      subdomain: pods.subdomain,
      agentType: pods.agentType,
      desiredState: pods.desiredState,
      phase: podStatus.phase,
      ipAddress: podStatus.ipAddress,
    })
    .from(pods)
    .innerJoin(podStatus, eq(podStatus.podId, pods.id))
    .where(
      and(isNull(pods.deletedAt), eq(pods.desiredState, 'running'), eq(podStatus.phase, 'running')),
    );
}

/** The last container exit the reconciler accounted for (see reconciler/exits.ts). */
export async function getExitMark(db: Database, podId: string): Promise<ExitMark | null> {
  const [row] = await db
    .select({ mark: podStatus.lastExit })
    .from(podStatus)
    .where(eq(podStatus.podId, podId));
  return row?.mark ?? null;
}

/** Encrypted secret values by name. */
export async function getPodSecrets(db: Database, podId: string): Promise<Record<string, string>> {
  const rows = await db.select().from(podSecrets).where(eq(podSecrets.podId, podId));
  return Object.fromEntries(rows.map((r) => [r.name, r.ciphertext]));
}

/**
 * A deleted pod's row stays as a tombstone, so the foreign key's cascade never fires: its
 * secrets are deleted when its deletion finishes.
 */
export async function deletePodSecrets(db: Database, podId: string): Promise<void> {
  await db.delete(podSecrets).where(eq(podSecrets.podId, podId));
}

/** Every pod the reconciler still has work for: all but finished deletions. */
export async function listPodIdsToReconcile(db: Database): Promise<string[]> {
  const rows = await db
    .select({ id: pods.id })
    .from(pods)
    .innerJoin(podStatus, eq(podStatus.podId, pods.id))
    .where(or(isNull(pods.deletedAt), sql`${podStatus.phase} <> 'deleted'`));
  return rows.map((r) => r.id);
}

/** A periodic resync's look at every pod it still has work for (reconciler/resync.ts). */
export async function listResyncRows(db: Database): Promise<ResyncRow[]> {
  const rows = await db
    .select({
      id: pods.id,
      deletedAt: pods.deletedAt,
      desiredState: pods.desiredState,
      generation: pods.generation,
      observedGeneration: podStatus.observedGeneration,
      phase: podStatus.phase,
      health: podStatus.health,
      specHash: podStatus.specHash,
    })
    .from(pods)
    .innerJoin(podStatus, eq(podStatus.podId, pods.id))
    .where(or(isNull(pods.deletedAt), sql`${podStatus.phase} <> 'deleted'`));
  return rows.map(({ deletedAt, ...row }) => ({ ...row, deleting: deletedAt !== null }));
}

/** Ids of every pod row, tombstones included: the sweeper's notion of "owned". */
export async function listAllPodIds(db: Database): Promise<Set<string>> {
  const rows = await db.select({ id: pods.id }).from(pods);
  return new Set(rows.map((r) => r.id));
}

export function assertPodLive(pod: Pod): void {
  if (pod.deletedAt) throw new ConflictError('pod_deleted', `pod ${pod.id} is being deleted`);
}
