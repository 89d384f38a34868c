import type { Database } from '../db/client.js';
import { listAllPodIds } from '../db/queries/pods.js';
import { type Logger, LoopLog } from '../logger.js';
import {
  DockerError,
  type DockerHost,
  FILE_WRITER_ROLE,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_POD_ID,
  LABEL_ROLE,
  listContainers,
  listNetworks,
  removeContainer,
  removeNetwork,
} from '../runtime/index.js';
import type { ExitGate } from './exit-gate.js';

export interface SweeperOptions {
  /** Only objects labelled with this installation are candidates: never another's. */
  installationId: string;
  /** How long an orphan must have been seen before it is removed. */
  graceMs: number;
  intervalMs: number;
  /** Log what would be removed, remove nothing. */
  dryRun: boolean;
  /** The reconciler's order of container exits (exit-gate.ts): a removal is one. */
  exits?: ExitGate;
  now?: () => number;
}

/**
 * Removes this installation's containers whose pod row does not exist (Nomad's
 * dangling-container sweeper): leftovers of a restored database or of a manual row delete, and
 * helpers that wrote files into volumes and outlived their call (fresh-files.ts). Also
 * its networks of one pod each, the layout before the shared pod network: a pod's own network is
 * removed once nothing is attached to it (its pod was moved to the shared network, or is gone).
 * Objects of other installations on the same Docker host (or of none) are never touched.
 * Volumes are never swept: only an explicit purge deletes a tenant's data.
 */
export class Sweeper {
  private readonly firstSeen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log: LoopLog;

  constructor(
    private readonly db: Database,
    private readonly docker: DockerHost,
    private readonly logger: Logger,
    private readonly opts: SweeperOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.log = new LoopLog(logger, 'orphan sweep');
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sweep().then(
        () => this.log.succeeded(),
        (err: unknown) => this.log.failed(err),
      );
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns what it removed (or would remove, in dry-run). */
  async sweep(): Promise<{ containers: string[]; networks: string[] }> {
    const owned = await listAllPodIds(this.db);
    const managed = { [LABEL_MANAGED]: 'true', [LABEL_INSTALLATION]: this.opts.installationId };
    const [containers, networks] = await Promise.all([
      listContainers(this.docker, managed),
      listNetworks(this.docker, managed),
    ]);
    const orphans = [
      ...containers.map((c) => ({
        kind: 'container' as const,
        key: `c:${c.id}`,
        id: c.id,
        name: c.name,
        podId: c.labels[LABEL_POD_ID],
        writer: c.labels[LABEL_ROLE] === FILE_WRITER_ROLE,
      })),
      ...networks.map((n) => ({
        kind: 'network' as const,
        key: `n:${n.id}`,
        id: n.id,
        name: n.name,
        podId: n.labels[LABEL_POD_ID],
        writer: false,
      })),
    ].filter(
      (o) =>
        // A file writer lives for one archive call: one still there a grace period on was
        // left by a crash between its create and its removal.
        o.writer || (o.podId !== undefined && (o.kind === 'network' || !owned.has(o.podId))),
    );

    const now = this.now();
    const current = new Set(orphans.map((o) => o.key));
    for (const key of this.firstSeen.keys()) if (!current.has(key)) this.firstSeen.delete(key);
    const removed = { containers: [] as string[], networks: [] as string[] };
    // Containers first: a network cannot be removed while a container is attached.
    for (const o of orphans) {
      const seen = this.firstSeen.get(o.key) ?? now;
      this.firstSeen.set(o.key, seen);
      if (now - seen < this.opts.graceMs) continue;
      if (!this.opts.dryRun) {
        if (o.kind === 'container') {
          const remove = () => removeContainer(this.docker, o.id, { force: true });
          await (this.opts.exits ? this.opts.exits(remove) : remove());
        } else if (!(await removeUnusedNetwork(this.docker, o.id))) continue;
        this.firstSeen.delete(o.key);
      }
      this.logger.warn(
        { kind: o.kind, name: o.name, podId: o.podId, dryRun: this.opts.dryRun },
        `${this.opts.dryRun ? 'would remove' : 'removed'} ${o.kind === 'network' ? "a pod's own network" : 'an object with no pod'}`,
      );
      (o.kind === 'container' ? removed.containers : removed.networks).push(o.name);
    }
    return removed;
  }
}

/** False while a container is still attached (Docker refuses with 403): the next pass tries. */
async function removeUnusedNetwork(docker: DockerHost, id: string): Promise<boolean> {
  try {
    await removeNetwork(docker, id);
    return true;
  } catch (err) {
    if (err instanceof DockerError && (err.statusCode === 403 || err.statusCode === 409)) {
      return false;
    }
    throw err;
  }
}
