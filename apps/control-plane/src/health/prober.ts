import { connect } from 'node:net';
import type { HttpProbe } from '@agentpod/shared';
import { CapLog, type Logger, LoopLog } from '../logger.js';

export type ProbeHealth = 'unknown' | 'healthy' | 'unhealthy';

export interface ProbeTarget {
  podId: string;
  /** `http://10.213.0.2:18789` */
  baseUrl: string;
  probe: HttpProbe;
}

interface PodProbeState {
  health: ProbeHealth;
  failures: number;
  /** Failures before this time do not count: the agent is still starting. */
  graceUntil: number;
  /** Until the agent first answers, failures before this time do not count either. */
  startupUntil: number;
  answered: boolean;
  lastProbeAt: number;
}

export interface ProberOptions {
  /**
   * Pods to probe now (running, with an address). Answer with the same array while the fleet
   * has not changed: each tick then skips looking for pods that are gone.
   */
  targets: () => Promise<ProbeTarget[]>;
  /** Called when a pod's health changes; the reconciler acts on it. */
  onChange: (podId: string, health: ProbeHealth, detail: string) => void;
  tickMs: number;
  logger: Logger;
  now?: () => number;
  /** Told how many pods each round reaches (network/neighbour-table.ts watches that). */
  onRound?: (targets: number) => void;
  /**
   * At most this many steady probes a second, on average: past `maxPerSecond × intervalMs` pods
   * the steady interval grows with the fleet, as Nomad's `max_heartbeats_per_second` stretches
   * its heartbeats. Starting agents are probed at their start-up interval regardless.
   */
  maxPerSecond?: number;
}

/**
 * Probes each running pod's liveness endpoint over HTTP from the control plane, counting
 * consecutive failures against the adapter's threshold. It only reports; the reconciler
 * decides to restart (plan() sees `unhealthy`).
 */
export class HealthProber {
  private readonly states = new Map<string, PodProbeState>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** The list the last tick probed: the same array again means the same pods. */
  private lastTargets: ProbeTarget[] | undefined;
  private readonly now: () => number;
  private readonly log: LoopLog;
  private readonly capLog: CapLog;

  constructor(private readonly opts: ProberOptions) {
    this.now = opts.now ?? Date.now;
    this.log = new LoopLog(opts.logger, 'health probing');
    this.capLog = new CapLog(opts.logger, {
      stretched:
        'steady probes spaced out past their interval, to keep to AGENTPOD_PROBES_PER_SECOND',
      back: "steady probes back at each agent's own interval",
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  healthOf(podId: string): ProbeHealth {
    return this.states.get(podId)?.health ?? 'unknown';
  }

  /** A new or restarted container: forget its history and give it its start-up grace again. */
  reset(podId: string): void {
    this.states.delete(podId);
  }

  /** One round over all targets (exported for tests; the timer calls it). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const targets = await this.opts.targets();
      this.opts.onRound?.(targets.length);
      // The same list as last time (nothing changed in the fleet): nobody to forget.
      if (targets !== this.lastTargets) {
        this.lastTargets = targets;
        const live = new Set(targets.map((t) => t.podId));
        for (const podId of this.states.keys()) if (!live.has(podId)) this.states.delete(podId);
      }
      // Most ticks find most pods not due: pick those that are without a promise per pod.
      const now = this.now();
      const spread = steadySpreadMs(targets.length, this.opts.maxPerSecond);
      const due: Promise<void>[] = [];
      let stretched = false;
      for (const target of targets) {
        const state = this.stateOf(target, now);
        if (spread > target.probe.intervalMs) stretched = true;
        const every = state.answered
          ? Math.max(target.probe.intervalMs, spread)
          : (target.probe.startupIntervalMs ?? target.probe.intervalMs);
        if (now - state.lastProbeAt < every) continue;
        state.lastProbeAt = now;
        due.push(this.probe(target, state, now));
      }
      this.capLog.observe(stretched, {
        pods: targets.length,
        everyMs: spread,
        maxPerSecond: this.opts.maxPerSecond,
      });
      if (due.length > 0) await Promise.all(due);
      this.log.succeeded();
    } catch (err) {
      // The list of targets comes from the database; the next tick tries again.
      this.log.failed(err);
    } finally {
      this.ticking = false;
    }
  }

  private stateOf(target: ProbeTarget, now: number): PodProbeState {
    let state = this.states.get(target.podId);
    if (!state) {
      state = {
        health: 'unknown',
        failures: 0,
        graceUntil: now + target.probe.initialDelayMs,
        startupUntil: now + (target.probe.startupTimeoutMs ?? target.probe.initialDelayMs),
        answered: false,
        lastProbeAt: Number.NEGATIVE_INFINITY,
      };
      this.states.set(target.podId, state);
    }
    return state;
  }

  private async probe(target: ProbeTarget, state: PodProbeState, now: number): Promise<void> {
    const { ok, detail } = await probeOnce(target);
    if (ok) {
      state.failures = 0;
      state.answered = true;
      if (state.health !== 'healthy') this.transition(target.podId, state, 'healthy', detail);
      return;
    }
    if (now < state.graceUntil) return;
    if (!state.answered && now < state.startupUntil) return;
    state.failures++;
    if (state.failures >= target.probe.failureThreshold && state.health !== 'unhealthy') {
      this.transition(
        target.podId,
        state,
        'unhealthy',
        `${detail} (${state.failures} consecutive failures)`,
      );
    }
  }

  private transition(
    podId: string,
    state: PodProbeState,
    health: ProbeHealth,
    detail: string,
  ): void {
    state.health = health;
    this.opts.onChange(podId, health, detail);
  }
}

/**
 * The shortest steady interval that keeps `count` pods at `maxPerSecond` probes (or readings) a
 * second on average; 0 when there is no cap.
 */
export function steadySpreadMs(count: number, maxPerSecond: number | undefined): number {
  return maxPerSecond ? Math.ceil((count * 1000) / maxPerSecond) : 0;
}

/**
 * An adapter's liveness probe, at the operator's steady interval when one is set
 * (`AGENTPOD_PROBE_INTERVAL_MS`); a probe's timeout and start-up interval never exceed it.
 */
export function livenessProbe(
  adapter: { probes: { liveness: HttpProbe } },
  intervalMs: number | undefined,
): HttpProbe {
  const probe = adapter.probes.liveness;
  if (intervalMs === undefined) return probe;
  return {
    ...probe,
    intervalMs,
    timeoutMs: Math.min(probe.timeoutMs, intervalMs),
    startupIntervalMs: Math.min(probe.startupIntervalMs ?? intervalMs, intervalMs),
  };
}

/**
 * One GET on a connection of its own, closed once the status line is in: the probe asks whether
 * the agent answers now, and an agent's HTTP server closes idle connections sooner than the next
 * probe anyway. A plain socket, not node:http (nor fetch, ten times dearer): the status line is
 * all a probe reads, and at a thousand pods every 10 s the client's own cost is most of the
 * prober's (bench/fleet.mjs, docs/performance.md).
 */
function probeOnce(target: ProbeTarget): Promise<{ ok: boolean; detail: string }> {
  const { path, timeoutMs, expectStatus } = target.probe;
  const address = /^http:\/\/([^/:]+|\[[^\]]+\]):(\d+)$/.exec(target.baseUrl);
  if (!address) {
    return Promise.resolve({
      ok: false,
      detail: `GET ${path} failed: bad address ${target.baseUrl}`,
    });
  }
  const host = (address[1] ?? '').replace(/^\[|\]$/g, '');
  const port = Number(address[2]);
  return new Promise((resolve) => {
    let settled = false;
    let head = '';
    const socket = connect({ host, port });
    const settle = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, detail });
    };
    socket.setNoDelay(true);
    socket.on('connect', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1', 0, Math.min(chunk.length, 64));
      const status = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(head);
      if (status) {
        const code = Number(status[1]);
        settle(code === expectStatus, `GET ${path} answered ${code}`);
      } else if (head.length >= 16 && !head.startsWith('HTTP/1.')) {
        settle(false, `GET ${path} failed: the answer is not HTTP/1`);
      }
    });
    socket.on('end', () => settle(false, `GET ${path} failed: closed without an answer`));
    socket.on('error', (err) => settle(false, `GET ${path} failed: ${err.message}`));
    const timer = setTimeout(
      () => settle(false, `GET ${path} failed: no answer within ${timeoutMs} ms`),
      timeoutMs,
    );
  });
}
