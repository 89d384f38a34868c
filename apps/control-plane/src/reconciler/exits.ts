// Container exits, read from what Docker keeps on the container (finish time, exit code,
// OOMKilled, restart count) rather than only from its event stream: an exit that happened while
// the control plane was down, or whose event was lost, is still found at the next reconcile.
import type { PodExit } from '@agentpod/shared';
import { exitView } from '../db/queries/pods.js';
import type { ExitMark } from '../db/schema.js';

export type { ExitMark };

/** What an inspect of the pod's container says about its exits. */
export interface ObservedExit {
  containerId: string;
  running: boolean;
  finishedAt: Date | null;
  exitCode: number;
  oomKilled: boolean;
  restartCount: number;
}

/** The exit code from the container's `die` event, when the running container forgot it. */
export interface ExitHint {
  containerId: string;
  exitCode: number;
  at: Date;
}

/**
 * Pure: the new mark, and the exit to report (null when there is nothing new, or when AgentPod
 * caused it by stopping or restarting the container itself). A container seen for the first
 * time sets the mark without a report: its history before AgentPod looked is not news. One
 * made in this very pass (`made`) has no such history: any exit it shows is news.
 */
export function accountExit(
  mark: ExitMark | null,
  observed: ObservedExit | null,
  opts: { causedByUs: boolean; made?: boolean; hint?: ExitHint | undefined },
): { mark: ExitMark | null; news: PodExit | null } {
  if (!observed) return { mark, news: null };
  const at = observed.finishedAt?.toISOString() ?? null;
  const hint = opts.hint;
  const hinted =
    hint && hint.containerId === observed.containerId && observed.finishedAt
      ? Math.abs(hint.at.getTime() - observed.finishedAt.getTime()) < 2_000
      : false;
  // Docker clears the exit code when its restart policy starts the container again.
  let exitCode: number | null = null;
  if (at !== null && !observed.running) exitCode = observed.exitCode;
  else if (at !== null && hinted && hint) exitCode = hint.exitCode;
  const next: ExitMark = {
    containerId: observed.containerId,
    at,
    exitCode,
    oomKilled: at !== null && observed.oomKilled,
    restartCount: observed.restartCount,
  };
  if (opts.made) return { mark: next, news: at === null ? null : exitView(next) };
  if (!mark || mark.containerId !== observed.containerId) return { mark: next, news: null };
  const newer = at !== null && (mark.at === null || Date.parse(at) > Date.parse(mark.at));
  if (!newer || opts.causedByUs) return { mark: next, news: null };
  return { mark: next, news: exitView(next) };
}

/** The event for an exit nobody asked for, in words an operator can act on. */
export function exitEvent(
  exit: PodExit,
  running: boolean,
  memoryLimitBytes: number,
): { reason: 'OOMKilled' | 'Died'; message: string } {
  const code =
    exit.exitCode === null ? 'an exit code Docker no longer knows' : `code ${exit.exitCode}`;
  const after = running
    ? `; Docker restarted it (restart ${exit.restartCount} of this container)`
    : '';
  if (exit.oomKilled) {
    const mib = Math.round(memoryLimitBytes / (1024 * 1024));
    return {
      reason: 'OOMKilled',
      message: `the container ran out of memory (limit ${mib} MiB) and was killed with ${code}${after}`,
    };
  }
  return { reason: 'Died', message: `the container exited with ${code}${after}` };
}
