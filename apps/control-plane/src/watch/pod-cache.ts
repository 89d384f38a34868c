// The API's read path for pods (the Kubernetes API server's watch cache, small): every pod of
// the installation is held in memory with the JSON the API answers with, kept current by the
// database's change notices (watch/feed.ts). GET /pods/:id and GET /pods then cost no database
// round trip and no serialization per request.
//
// Consistency: one fetch at a time per pod, each begun after the notice or write that asked for
// it, so an entry only ever moves forward. A write through this process refreshes its pod before
// the API answers (`refresh`), so the writer's next read sees the write; another process's
// change is seen once its notice arrives (milliseconds). Before the first load, and from a lost
// listening connection until the reload after it, reads go to the database.
import { PodWithStatus } from '@agentpod/shared';
import type { Database } from '../db/client.js';
import { type Page, pageCursor, parseCursor } from '../db/queries/common.js';
import { getPodsById, listAllPods, listPods, type PodFilter } from '../db/queries/pods.js';
import { getUsageByPodIds } from '../db/queries/usage.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { WatchFeed, WatchNotice } from './feed.js';

/** A pod as held, with the JSON the API answers with, made on the first read after a change. */
export class CachedPod {
  #json: string | undefined;

  constructor(readonly pod: PodWithStatus) {}

  /** The schema the route declared, applied once per change instead of once per request. */
  get json(): string {
    this.#json ??= JSON.stringify(PodWithStatus.parse(this.pod));
    return this.#json;
  }
}

export type PodListQuery = PodFilter & { limit: number; cursor?: string | undefined };

/** The most ids one refetch asks the database for. */
const BATCH = 500;
/** Pages kept as JSON until the next change. */
const MAX_PAGES = 32;

function cached(pod: PodWithStatus): CachedPod {
  return new CachedPod(pod);
}

type ListKey = Pick<PodWithStatus, 'createdAt' | 'id'>;

/** List order: (createdAt, id), as the database's listPods. */
function before(a: ListKey, b: ListKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class PodCache {
  private readonly byId = new Map<string, CachedPod>();
  /** Bumped by every change to any entry: a kept page of an older version is stale. */
  private version = 0;
  /** Bumped when a pod is added, dropped or changed in more than its usage figures. */
  private podChanges = 0;
  private readonly pages = new Map<string, { version: number; json: string }>();
  /** Ids in list order; null after a pod was added or dropped, until the next list. */
  private order: string[] | null = null;
  /** False until the first load, and while a reload after lost notices runs. */
  private current = false;
  /** The feed's connection is lost: nothing changed is heard, so nothing cached is vouched for. */
  private deaf = false;
  /** Ids whose next fetch is asked for, with whoever waits for it to land. */
  private readonly wanted = new Map<string, (() => void)[]>();
  private readonly fetching = new Set<string>();
  private flushQueued = false;
  /** Pods whose usage alone changed (a stats pass): one column to fetch, not the whole pod. */
  private readonly usageWanted = new Set<string>();
  private usageFlushQueued = false;
  private unsubscribe: (() => void) | undefined;
  /** Bumped by every (re)load and by stop: a fetch of an older one is dropped. */
  private epoch = 0;
  private reloading: Promise<void> | undefined;
  /** Pods changed while a load ran: the load may predate the change, so they are fetched after. */
  private readonly changedDuringLoad = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly feed: WatchFeed,
    private readonly logger: Logger,
  ) {}

  /** Subscribes first, then loads: a change made during the load is fetched again after it. */
  async start(): Promise<void> {
    this.unsubscribe = this.feed.subscribe((notice) => this.onNotice(notice));
    await this.reload();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.current = false;
    this.epoch++;
    for (const waiters of this.wanted.values()) for (const resolve of waiters) resolve();
    this.wanted.clear();
  }

  get size(): number {
    return this.byId.size;
  }

  /** The pod's entry; from the database while the cache is not current or does not hold it. */
  async get(id: string): Promise<CachedPod> {
    const hit = this.current ? this.byId.get(id) : undefined;
    if (hit) return hit;
    const [pod] = await getPodsById(this.db, [id]);
    if (!pod) throw new NotFoundError('pod', id);
    return cached(pod);
  }

  /**
   * Every pod held, or null while the cache is not current (ask the database then). For readers
   * in this process that walk the whole fleet on a timer, such as the health prober.
   */
  all(): PodWithStatus[] | null {
    return this.current ? Array.from(this.byId.values(), (e) => e.pod) : null;
  }

  /**
   * A number that changes whenever a pod is added, dropped, or changed in anything but its usage
   * figures; null while the cache is not current. A reader that derives something from all pods
   * on a timer (the prober's targets) derives it again only when this changes.
   */
  fleetRevision(): number | null {
    return this.current ? this.podChanges : null;
  }

  /** A page in list order, filtered as the database's listPods filters. */
  async list(query: PodListQuery): Promise<Page<CachedPod>> {
    if (!this.current) {
      const page = await listPods(this.db, query);
      return { items: page.items.map(cached), nextCursor: page.nextCursor };
    }
    const after = query.cursor ? parseCursor(query.cursor) : undefined;
    const afterKey = after && { createdAt: after.createdAt.toISOString(), id: after.id };
    const items: CachedPod[] = [];
    let more = false;
    for (const id of this.inOrder()) {
      const entry = this.byId.get(id);
      if (!entry) continue;
      const p = entry.pod;
      if (afterKey && before(p, afterKey) <= 0) continue;
      if (query.tenantId && p.tenantId !== query.tenantId) continue;
      if (query.agentType && p.agentType !== query.agentType) continue;
      if (!query.includeDeleted && p.deletedAt) continue;
      if (query.phase && p.status.phase !== query.phase) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push(entry);
    }
    const last = items.at(-1)?.pod;
    return {
      items,
      nextCursor:
        more && last ? pageCursor({ createdAt: new Date(last.createdAt), id: last.id }) : null,
    };
  }

  /**
   * A page as the API's JSON (`{"items":[…],"nextCursor":…}`). The last few pages asked for are
   * kept until any pod changes: a dashboard fleet polling the same first page costs one join.
   */
  async listJson(query: PodListQuery): Promise<string> {
    const key = JSON.stringify(query);
    const memo = this.current ? this.pages.get(key) : undefined;
    if (memo && memo.version === this.version) return memo.json;
    const version = this.version;
    const page = await this.list(query);
    const items = page.items.map((e) => e.json).join(',');
    const json = `{"items":[${items}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
    if (this.current && version === this.version) {
      if (this.pages.size >= MAX_PAGES) this.pages.clear();
      this.pages.set(key, { version, json });
    }
    return json;
  }

  /** After a tenant's deletion through this process: its pods' rows went with it. */
  async refreshTenant(tenantId: string): Promise<void> {
    const ids = [...this.byId.values()]
      .filter((e) => e.pod.tenantId === tenantId)
      .map((e) => e.pod.id);
    await Promise.all(ids.map((id) => this.refresh(id)));
  }

  /** After a write through this process: resolves once a fetch begun after now has landed. */
  refresh(id: string): Promise<void> {
    if (!this.unsubscribe) return Promise.resolve();
    return new Promise((resolve) => this.want(id, resolve));
  }

  private onNotice(notice: WatchNotice): void {
    if (notice.kind === 'pod') {
      if (this.reloading) this.changedDuringLoad.add(notice.podId);
      this.want(notice.podId);
    } else if (notice.kind === 'usage') {
      if (this.reloading) this.changedDuringLoad.add(notice.podId);
      this.wantUsage(notice.podId);
    }
    // Deaf until the connection is back: reads go to the database meanwhile.
    else if (notice.kind === 'lost') {
      this.deaf = true;
      this.current = false;
    }
    // Notices were lost while the listening connection was down: load everything again.
    else if (notice.kind === 'reset') {
      this.deaf = false;
      void this.reload();
    }
  }

  private want(id: string, waiter?: () => void): void {
    const waiters = this.wanted.get(id) ?? [];
    if (waiter) waiters.push(waiter);
    this.wanted.set(id, waiters);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // Notices come in bursts (a resync writes many statuses): one query for the burst.
      setImmediate(() => {
        this.flushQueued = false;
        void this.flush();
      });
    }
  }

  private wantUsage(id: string): void {
    this.usageWanted.add(id);
    if (this.usageFlushQueued) return;
    this.usageFlushQueued = true;
    // A stats pass announces every running pod at once: one query for the burst.
    setImmediate(() => {
      this.usageFlushQueued = false;
      void this.flushUsage();
    });
  }

  /** Puts the fetched usage into the held pods; a whole-pod fetch under way brings it anyway. */
  private async flushUsage(): Promise<void> {
    const ids = [...this.usageWanted];
    this.usageWanted.clear();
    if (ids.length === 0) return;
    const epoch = this.epoch;
    try {
      const rows = await getUsageByPodIds(this.db, ids);
      if (epoch !== this.epoch) return;
      for (const { podId, usage } of rows) {
        const entry = this.byId.get(podId);
        if (!entry || this.fetching.has(podId) || this.wanted.has(podId)) continue;
        this.version++;
        this.byId.set(
          podId,
          new CachedPod({ ...entry.pod, status: { ...entry.pod.status, usage } }),
        );
      }
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'pod cache: a usage fetch failed; reloading',
      );
      this.current = false;
      void this.reload();
    }
  }

  /** Fetches every wanted id that is not being fetched already, in batches. */
  private async flush(): Promise<void> {
    const ids = [...this.wanted.keys()].filter((id) => !this.fetching.has(id)).slice(0, BATCH);
    if (ids.length === 0) return;
    const waiters = ids.flatMap((id) => {
      const w = this.wanted.get(id) ?? [];
      this.wanted.delete(id);
      this.fetching.add(id);
      return w;
    });
    const epoch = this.epoch;
    try {
      const pods = await getPodsById(this.db, ids);
      if (epoch === this.epoch) {
        for (const pod of pods) this.put(pod);
        // A pod row that is gone (its tenant's deletion) is gone from the cache too.
        const found = new Set(pods.map((p) => p.id));
        for (const id of ids) if (!found.has(id)) this.drop(id);
      }
    } catch (err) {
      // Not current any more: reads go to the database until a reload has succeeded.
      this.logger.warn({ err: (err as Error).message }, 'pod cache: a refetch failed; reloading');
      this.current = false;
      void this.reload();
    } finally {
      for (const id of ids) this.fetching.delete(id);
      for (const resolve of waiters) resolve();
      // Asked again while these were in flight, or more than one batch: go on.
      if (this.wanted.size > 0) void this.flush();
    }
  }

  private put(pod: PodWithStatus): void {
    this.version++;
    this.podChanges++;
    if (!this.byId.has(pod.id)) this.order = null;
    this.byId.set(pod.id, cached(pod));
  }

  private drop(id: string): void {
    this.version++;
    this.podChanges++;
    if (this.byId.delete(id)) this.order = null;
  }

  /** Ids in list order; sorted again only after a pod was added or dropped. */
  private inOrder(): string[] {
    this.order ??= [...this.byId.values()]
      .sort((a, b) => before(a.pod, b.pod))
      .map((e) => e.pod.id);
    return this.order;
  }

  /** Loads every pod; retried until it succeeds, while reads go to the database. */
  private reload(): Promise<void> {
    this.reloading ??= (async () => {
      this.current = false;
      for (let attempt = 1; this.unsubscribe; attempt++) {
        const epoch = ++this.epoch;
        try {
          const pods = await listAllPods(this.db);
          if (epoch !== this.epoch) return;
          // A change even when the load finds no pods at all: kept pages and whatever a reader
          // derived from the old entries (fleetRevision) are stale.
          this.version++;
          this.podChanges++;
          this.byId.clear();
          this.order = null;
          for (const pod of pods) this.put(pod);
          this.current = !this.deaf;
          for (const id of this.changedDuringLoad) this.want(id);
          this.changedDuringLoad.clear();
          return;
        } catch (err) {
          this.logger.warn({ err: (err as Error).message, attempt }, 'pod cache: load failed');
          await new Promise((r) => setTimeout(r, Math.min(1_000 * attempt, 10_000)).unref());
        }
      }
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }
}
