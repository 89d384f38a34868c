// A server action called from the browser fails like any request when the network drops: say so
// like the API's own problems do, instead of leaving the form waiting on a rejected promise.
import type { ActionResult } from './problem';

/** What a call that never reached the dashboard's server answers (a server action or a route). */
export const UNREACHABLE = {
  ok: false,
  problem: {
    code: 'unreachable',
    detail: 'The dashboard could not be reached. Check the connection and try again.',
    errors: [],
  },
} as const satisfies ActionResult<never>;

export async function callAction<T>(
  action: () => Promise<ActionResult<T>>,
): Promise<ActionResult<T>> {
  try {
    return await action();
  } catch {
    return UNREACHABLE;
  }
}
