// The kernel's neighbour (ARP) table on the machine the probes and the proxy reach pods from.
// Every pod this host talks to needs an entry. Above gc_thresh2 entries, the kernel drops those
// not used in the last 5 s, and above gc_thresh3 it refuses new ones ("neighbor table
// overflow!" in dmesg): a pod past that is unreachable from here, its probes time out and it is
// restarted for nothing, and the proxy cannot reach it. Debian's defaults (128/512/1024) hold
// about 500 pods probed every 10 s: measured with bench/fleet.mjs at 1,000 pods, exactly 512
// stayed reachable. Raising the limits is the operator's call (a host setting); AgentPod says
// when it is needed and how.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NeighbourLimits {
  gcThresh1: number;
  gcThresh2: number;
  gcThresh3: number;
}

/** The IPv4 defaults as this process's network namespace sees them; null where unreadable. */
export function readNeighbourLimits(procRoot = '/proc'): NeighbourLimits | null {
  const dir = join(procRoot, 'sys/net/ipv4/neigh/default');
  try {
    const read = (name: string) => Number(readFileSync(join(dir, name), 'utf8').trim());
    const limits = {
      gcThresh1: read('gc_thresh1'),
      gcThresh2: read('gc_thresh2'),
      gcThresh3: read('gc_thresh3'),
    };
    return Object.values(limits).every(Number.isInteger) ? limits : null;
  } catch {
    return null;
  }
}

/** Share of gc_thresh2 in use by pods at which to speak up: other hosts need entries too. */
const HEADROOM = 0.8;

/**
 * A warning when `pods` reachable pods come near what the table keeps, with the settings that
 * fix it (room for four times the pods, at least Kubernetes nodes' common 4096/8192/16384);
 * null when there is room.
 */
export function neighbourTableWarning(pods: number, limits: NeighbourLimits): string | null {
  if (pods < limits.gcThresh2 * HEADROOM) return null;
  const thresh2 = Math.max(8192, 2 ** Math.ceil(Math.log2(pods * 4)));
  const fix = [thresh2 / 2, thresh2, thresh2 * 2]
    .map((v, i) => `net.ipv4.neigh.default.gc_thresh${i + 1}=${v}`)
    .join(' ');
  return (
    `${pods} running pods, and this host's neighbour table keeps about ${limits.gcThresh2} ` +
    `entries (net.ipv4.neigh.default.gc_thresh2; gc_thresh3=${limits.gcThresh3}): pods beyond ` +
    `that become unreachable from here, so their probes fail and the proxy cannot reach them. ` +
    `Raise the limits on this host: sysctl -w ${fix} (and in /etc/sysctl.d/ to keep them)`
  );
}

/**
 * Fed the number of pods the prober reaches on every round; logs the warning once when the
 * fleet outgrows the table and once when it fits again (the operator raised the limits). The
 * limits are read again at most once a minute, so a raise is seen without a restart.
 */
export class NeighbourTableWatch {
  private warned = false;
  private limits: NeighbourLimits | null = null;
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: { warn(msg: string): void; info(msg: string): void },
    private readonly read: () => NeighbourLimits | null = readNeighbourLimits,
    private readonly now: () => number = Date.now,
  ) {}

  observe(pods: number): void {
    if (this.now() - this.readAt >= 60_000) {
      this.limits = this.read();
      this.readAt = this.now();
    }
    const warning = this.limits && neighbourTableWarning(pods, this.limits);
    if (warning && !this.warned) this.logger.warn(warning);
    if (!warning && this.warned) {
      this.logger.info(`the neighbour table has room for the ${pods} running pods again`);
    }
    this.warned = Boolean(warning);
  }
}
