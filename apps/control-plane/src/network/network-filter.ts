// Keeps the installation's iptables chains equal to the rendered filter, like CaddySync keeps
// the proxy's routes: applies on every change and checks on an interval, because `iptables -F`,
// a firewall reload or a reboot would otherwise silently open every pod to the host and the LAN.
import type { EgressPolicy } from '@agentpod/shared';
import type { Logger } from '../logger.js';
import { CoalescedRun } from '../routing/coalesced-run.js';
import { type FilterInput, type FilterRules, renderFilter } from './filter-rules.js';
import type { Iptables } from './iptables.js';

export interface NetworkFilterOptions {
  iptables: Iptables;
  /** Everything but the pods, which are read on every pass. */
  base: Omit<FilterInput, 'pods'>;
  pods: () => Promise<{ ip: string; egress: EgressPolicy }[]>;
  verifyIntervalMs: number;
  logger: Logger;
}

export interface NetworkFilterStatus {
  ok: boolean;
  backend: string;
  lastError: string | null;
  lastAppliedAt: string | null;
  /** Passes this process has made; a standby's filter makes none (only the leader applies). */
  syncs: number;
  /** Times the live rules had gone (flushed, deleted, edited) and were put back. */
  repairs: number;
  pods: number;
  rules: number;
}

export class NetworkFilter {
  private readonly run = new CoalescedRun(() => this.sync());
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;
  private applied: FilterRules | undefined;
  private state: NetworkFilterStatus;

  constructor(private readonly opts: NetworkFilterOptions) {
    this.state = {
      ok: false,
      backend: opts.iptables.backend,
      lastError: 'not applied yet',
      lastAppliedAt: null,
      syncs: 0,
      repairs: 0,
      pods: 0,
      rules: 0,
    };
  }

  get status(): NetworkFilterStatus {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    this.schedule();
    this.timer = setInterval(() => this.schedule(), this.opts.verifyIntervalMs);
    this.timer.unref();
  }

  /**
   * Leaves the rules in place while any pod holds an address: pods keep running, and must stay
   * filtered, while the control plane is away. With none, there is nothing to protect and the
   * chains go (they come back with the next start).
   */
  async stop(): Promise<void> {
    const wasRunning = !this.stopped;
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    await this.run.settled();
    if (!wasRunning) return;
    try {
      if ((await this.opts.pods()).length === 0) await this.remove();
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'could not tidy the network filter');
    }
  }

  /** A pod's address or policy may have changed. */
  schedule(): void {
    if (!this.stopped) this.run.schedule();
  }

  settled(): Promise<void> {
    return this.run.settled();
  }

  /** Removes the chains and hooks (operators turning the filter off; tests cleaning up). */
  async remove(): Promise<void> {
    const rules = renderFilter({ ...this.opts.base, pods: [] });
    const { iptables } = this.opts;
    for (const hook of rules.hooks) {
      while (await iptables.has(hook.chain, hook.rule))
        await iptables.delete(hook.chain, hook.rule);
    }
    await iptables.removeChains([rules.chains.input, rules.chains.forward, rules.chains.reject]);
    this.applied = undefined;
    // No rules now: the status must not go on saying they are in place (`/readyz`, and whoever
    // waits for `ok` after a start) until a sync has put them back.
    this.state = {
      ...this.state,
      ok: false,
      lastError: 'the rules were removed',
      pods: 0,
      rules: 0,
    };
  }

  private async sync(): Promise<void> {
    this.state = { ...this.state, syncs: this.state.syncs + 1 };
    try {
      const pods = await this.opts.pods();
      const wanted = renderFilter({ ...this.opts.base, pods });
      const drift = await this.drift(wanted);
      if (drift) {
        await this.apply(wanted);
        // Our own change (new pods, new policy) is routine; rules that vanished are not.
        if (this.applied && this.applied.marker === wanted.marker) {
          this.state = { ...this.state, repairs: this.state.repairs + 1 };
          this.opts.logger.warn({ drift }, 'network filter rules had changed; put them back');
        } else {
          this.opts.logger.info({ pods: pods.length }, 'applied the network filter');
        }
        this.applied = wanted;
      }
      if (!this.state.ok) this.opts.logger.info('network filter in place');
      this.state = {
        ...this.state,
        ok: true,
        lastError: null,
        lastAppliedAt: drift ? new Date().toISOString() : this.state.lastAppliedAt,
        pods: pods.length,
        rules: Object.values(wanted.counts).reduce((a, b) => a + b, 0) + wanted.hooks.length,
      };
    } catch (err) {
      const message = (err as Error).message;
      if (this.state.lastError !== message)
        this.opts.logger.error({ err: message }, 'could not apply the network filter');
      this.state = { ...this.state, ok: false, lastError: message };
      clearTimeout(this.retry);
      if (!this.stopped) {
        this.retry = setTimeout(() => this.schedule(), Math.min(2_000, this.opts.verifyIntervalMs));
        this.retry.unref();
      }
    }
  }

  /** Why the live table differs from `wanted`, or null when it does not. */
  private async drift(wanted: FilterRules): Promise<string | null> {
    const { iptables } = this.opts;
    const table = await iptables.chains();
    for (const [chain, count] of Object.entries(wanted.counts)) {
      const live = table.get(chain);
      if (live === undefined) return `chain ${chain} is missing`;
      if (live.length !== count || !live[0]?.includes(`agentpod ${wanted.marker}`)) {
        return `chain ${chain} has ${live.length} rules, not the ${count} expected`;
      }
    }
    for (const hook of wanted.hooks) {
      if (!(await iptables.has(hook.chain, hook.rule))) return `the ${hook.chain} hook is missing`;
    }
    return null;
  }

  /** Chains first (atomically), then hooks: a hook never points at a half-filled chain. */
  private async apply(wanted: FilterRules): Promise<void> {
    const { iptables } = this.opts;
    await iptables.restore(wanted.restore);
    for (const hook of wanted.hooks) {
      if (!(await iptables.has(hook.chain, hook.rule)))
        await iptables.insertFirst(hook.chain, hook.rule);
    }
  }
}
