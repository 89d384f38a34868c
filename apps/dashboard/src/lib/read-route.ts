// Reads from the dashboard's own routes (app/api/...) in the browser, answered like a server
// action: a value, or problem details the page can show. A session that ended goes to the login
// page, as a server action's 401 does.
import { UNREACHABLE } from './call-action';
import type { ActionResult, ProblemLike } from './problem';

export async function readRoute<T>(path: string): Promise<ActionResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch {
    return UNREACHABLE;
  }
  if (res.status === 401) {
    window.location.assign('/login?expired=1');
    return { ok: false, problem: { code: 'unauthorized', detail: 'Signed out.', errors: [] } };
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, value: body as T };
  const problem = body as Partial<ProblemLike> | null;
  return {
    ok: false,
    problem: {
      code: problem?.code ?? 'internal',
      detail: problem?.detail ?? `The dashboard answered ${res.status}.`,
      errors: problem?.errors ?? [],
    },
  };
}
