// `--wait`: after a write, follow the pod through the API until it is at its desired state
// (running and healthy, or stopped), it fails, or the timeout passes. `progressOf` is the
// whole judgement, a pure function of what the API answered; `waitForPod` polls and prints.
import type { AgentPodClient, PodEvent, PodWithStatus } from '@agentpod/shared';
import { InvalidArgumentError } from 'commander';
import { CommandFailed } from './errors.js';

/** Where a pod is on its way, as one line a person reads. */
export interface Progress {
  /** A coarse step: a new one is a new line when the output is not a terminal. */
  step: 'pull' | 'create' | 'start' | 'healthy' | 'stop' | 'delete' | 'wait';
  text: string;
  /** Set once the pod is where it should be. */
  done?: true;
  /** Set when it will not get there without someone's help: the reason. */
  failed?: string;
}

/**
 * Judges a pod against the write that asked for it (`generation`, the generation the write's
 * answer carried). `events` are the pod's events since that write, oldest first: a crash loop or
 * a pull given up shows there with its own words.
 */
export function progressOf(pod: PodWithStatus, generation: number, events: PodEvent[]): Progress {
  const { status } = pod;
  if (pod.deletedAt) return { step: 'delete', text: 'deleted', failed: 'the pod was deleted' };
  const caughtUp = status.observedGeneration >= generation;
  const pull = status.image.pull;
  // A give-up or failure of an earlier generation is history: this write starts over.
  if (pull?.state === 'failed' && pull.generation >= generation) {
    return {
      step: 'pull',
      text: `pulling ${status.image.ref ?? 'the image'}: gave up`,
      failed: `image pull failed: ${pull.message ?? pull.reason ?? 'unknown reason'}`,
    };
  }
  if (caughtUp && status.phase === 'failed') {
    return {
      step: 'start',
      text: 'failed',
      failed: status.lastError ?? lastWarning(events) ?? 'the pod failed',
    };
  }
  const backOff = events.findLast((e) => e.reason === 'BackOff');
  if (backOff && pod.desiredState === 'running' && status.phase !== 'running') {
    return { step: 'start', text: 'crash loop', failed: reasonText(backOff) };
  }
  if (pod.desiredState === 'stopped') {
    return caughtUp && status.phase === 'stopped'
      ? { step: 'stop', text: 'stopped', done: true }
      : { step: 'stop', text: `stopping (${status.phase})` };
  }
  if (pull) return { step: 'pull', text: pullText(pod) };
  if (!caughtUp) return { step: 'wait', text: `waiting for the reconciler (${status.phase})` };
  switch (status.phase) {
    case 'pending':
    case 'pulling':
      return { step: 'pull', text: pullText(pod) };
    case 'creating':
      return { step: 'create', text: 'creating the container' };
    case 'starting':
    case 'stopping':
    case 'stopped':
      return { step: 'start', text: 'starting the container' };
    case 'running':
      if (status.health === 'healthy') return { step: 'healthy', text: 'healthy', done: true };
      return {
        step: 'healthy',
        text:
          status.health === 'unhealthy'
            ? `running, health check failing${status.lastError ? `: ${status.lastError}` : ''}`
            : 'running, waiting for the first good health check',
      };
    default:
      return { step: 'wait', text: status.phase };
  }
}

function pullText(pod: PodWithStatus): string {
  const { ref, pull } = pod.status.image;
  const image = pod.image ?? ref ?? 'the image';
  if (!pull) return `pulling ${image}`;
  if (pull.state === 'backoff') {
    return `pulling ${image}: attempt ${pull.attempts} failed (${pull.message ?? pull.reason}), retrying`;
  }
  const p = pull.progress;
  if (!p || p.layers === 0) return `pulling ${image}`;
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  return `pulling ${image}: ${p.layersDone}/${p.layers} layers, ${mb(p.bytesDone)}/${mb(p.bytes)} MB`;
}

function lastWarning(events: PodEvent[]): string | undefined {
  const last = events.findLast((e) => e.type === 'warning');
  return last && reasonText(last);
}

function reasonText(event: PodEvent): string {
  return `${event.reason}: ${event.message}`;
}

/** Where the progress goes: a live line on a terminal, a line per step otherwise. */
export interface ProgressOutput {
  show(progress: Progress): void;
  /** Ends the live line, so what comes next starts on a line of its own. */
  end(): void;
}

export function progressOutput(stream: NodeJS.WriteStream, prefix: string): ProgressOutput {
  let last: Progress | undefined;
  let live = false;
  return {
    show(progress) {
      if (stream.isTTY) {
        stream.write(`\r\x1b[K${prefix}${progress.text}`);
        live = true;
      } else if (last?.step !== progress.step || (progress.done && !last.done)) {
        stream.write(`${prefix}${progress.text}\n`);
      }
      last = progress;
    },
    end() {
      if (live) stream.write('\n');
      live = false;
    },
  };
}

export interface WaitOptions {
  timeoutMs: number;
  /** How often to ask the API (the default suits a person watching). */
  pollMs?: number;
  output: ProgressOutput;
}

/**
 * Polls the pod and its events from the write's answer on, until `progressOf` says done (the
 * pod is returned) or failed, or the timeout passes (both throw CommandFailed with the reason).
 */
export async function waitForPod(
  client: AgentPodClient,
  written: PodWithStatus,
  opts: WaitOptions,
): Promise<PodWithStatus> {
  const deadline = Date.now() + opts.timeoutMs;
  // Server time, so a skewed local clock cannot hide events.
  const since = written.updatedAt;
  let progress: Progress | undefined;
  let pod = written;
  let events: PodEvent[] = [];
  try {
    for (;;) {
      pod = await client.pods.get(written.id);
      events = (await client.pods.events(written.id, { since, limit: 200 })).items.toReversed();
      progress = progressOf(pod, written.generation, events);
      opts.output.show(progress);
      if (progress.done) return pod;
      if (progress.failed) throw new CommandFailed(`pod ${pod.id}: ${progress.failed}`);
      if (Date.now() >= deadline) {
        const last = events.at(-1);
        throw new CommandFailed(
          `pod ${pod.id} is not ready after ${formatSeconds(opts.timeoutMs)}: ${progress.text}${last ? `; last event ${reasonText(last)}` : ''}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 500));
    }
  } finally {
    opts.output.end();
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** `--timeout`: `90`, `90s`, `5m` or `1h`. */
export function parseDuration(value: string): number {
  const match = /^(\d+)(s|m|h)?$/.exec(value.trim());
  const n = match ? Number(match[1]) : Number.NaN;
  if (!match || n <= 0) throw new InvalidArgumentError('must be like 90s, 5m or 1h');
  const unit = match?.[2] ?? 's';
  return n * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : 1_000);
}
