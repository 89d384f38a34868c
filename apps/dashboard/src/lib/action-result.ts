// Server actions and pages call the API through here: a failure becomes the API's problem
// details as plain data the page can show; an ended session goes to the login page instead.
import 'server-only';
import { type AgentPodClient, ApiError } from '@agentpod/shared';
import { redirect } from 'next/navigation';
import { api } from './api';
import type { ActionResult, ProblemLike } from './problem';

export type { ActionResult };

export function toProblem(err: unknown): ProblemLike {
  if (err instanceof ApiError) return { code: err.code, detail: err.detail, errors: err.errors };
  return { code: 'internal', detail: err instanceof Error ? err.message : String(err), errors: [] };
}

export async function runAction<T>(
  call: (client: AgentPodClient) => Promise<T>,
): Promise<ActionResult<T>> {
  const client = await api();
  try {
    return { ok: true, value: await call(client) };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) redirect('/login?expired=1');
    return { ok: false, problem: toProblem(err) };
  }
}
