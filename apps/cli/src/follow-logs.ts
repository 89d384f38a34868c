// `agentpod pod logs -f`: follows the pod, not one HTTP stream. When the stream breaks (the
// control plane restarts, the network drops) or ends while the pod should still run (its agent
// restarts), it asks again from the time of the last line it printed, so nothing is lost and
// nothing is printed twice. It ends when interrupted, or when the pod is stopped or deleted.
import { setTimeout as sleep } from 'node:timers/promises';
import { type AgentPodClient, ApiError, type LogLine } from '@agentpod/shared';

export interface FollowOptions {
  /** Lines from the end to start with; a resume asks for everything since the last line. */
  tail: number;
  signal: AbortSignal;
  print: (line: LogLine) => void;
  /** A line for the person watching: the stream broke, or lines come again. */
  notice: (text: string) => void;
  retryMs?: number;
}

/** The most a resume asks for (the API's limit): an outage longer than that loses the rest. */
const RESUME_TAIL = 10_000;

export async function followLogs(
  client: AgentPodClient,
  podId: string,
  opts: FollowOptions,
): Promise<void> {
  const { signal } = opts;
  // The time of the last printed line, and which lines of that same time were printed.
  let last: { time: bigint; iso: string; printed: Set<string> } | undefined;
  let broken = false;
  // Doubles while nothing new comes (a stopped agent waiting out its back-off), up to 10 s.
  const firstWaitMs = opts.retryMs ?? 1_000;
  let waitMs = firstWaitMs;
  while (!signal.aborted) {
    let why = 'the stream ended';
    try {
      const from = last ? { since: last.iso, tail: RESUME_TAIL } : { tail: opts.tail };
      for await (const line of client.pods.followLogs(podId, { ...from, signal })) {
        const time = line.time === undefined ? undefined : nanos(line.time);
        const key = `${line.stream} ${line.text}`;
        if (last && time !== undefined) {
          if (time < last.time || (time === last.time && last.printed.has(key))) continue;
        }
        if (broken) {
          opts.notice('reconnected');
          broken = false;
          waitMs = firstWaitMs;
        }
        opts.print(line);
        if (time === undefined || line.time === undefined) continue;
        if (last?.time !== time) last = { time, iso: line.time, printed: new Set() };
        last.printed.add(key);
      }
    } catch (err) {
      if (signal.aborted) return;
      if (!retryable(err)) throw err;
      why = (err as ApiError).detail;
    }
    if (signal.aborted) return;
    if (!(await shouldRun(client, podId))) return;
    if (!broken) opts.notice(`log stream interrupted (${why}); reconnecting`);
    broken = true;
    // Aborting ends the wait early: the loop's condition then ends the follow.
    await sleep(waitMs, undefined, { signal }).catch(() => {});
    waitMs = Math.min(waitMs * 2, 10_000);
  }
}

/** Whether to wait for more: yes while the pod should run, or while the API cannot say. */
async function shouldRun(client: AgentPodClient, podId: string): Promise<boolean> {
  try {
    const pod = await client.pods.get(podId);
    return pod.deletedAt === null && pod.desiredState === 'running';
  } catch (err) {
    if (retryable(err)) return true;
    throw err;
  }
}

/** The control plane is away, failing for now, or the pod's container is being replaced. */
function retryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  return err.code === 'unreachable' || err.status >= 502 || err.code === 'pod_has_no_container';
}

/** An RFC 3339 time with up to nine decimals, in nanoseconds since the epoch. */
export function nanos(time: string): bigint {
  const match = /^(.+?T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  const ms = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN;
  if (!match || Number.isNaN(ms)) return 0n;
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}
