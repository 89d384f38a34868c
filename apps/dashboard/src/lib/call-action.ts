// A server action called from the browser fails like any request when the network drops: say so
// like the API's own problems do, instead of leaving the form waiting on a rejected promise.
import type { ActionResult } from './problem';

export async function callAction<T>(
  action: () => Promise<ActionResult<T>>,
): Promise<ActionResult<T>> {
  try {
    return await action();
  } catch {
    return {
      ok: false,
      problem: {
        code: 'unreachable',
        detail: 'The dashboard could not be reached. Check the connection and try again.',
        errors: [],
      },
    };
  }
}
