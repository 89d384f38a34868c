import { type FieldError, Problem } from './api.js';

/**
 * A failed API call: the server's problem details (status, stable code, detail, field errors),
 * or `unreachable` (status 0) when no response came back at all.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    /** Stable, machine-readable: branch on this, never on `detail`. */
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }

  /** Reads a non-2xx response; a body that is not problem details still gives a useful error. */
  static async from(res: Response, what: string): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    const problem = Problem.safeParse(parseJson(text));
    if (problem.success) {
      const p = problem.data;
      return new ApiError(res.status, p.code, p.detail, p.errors ?? []);
    }
    const excerpt = text.trim().slice(0, 200);
    return new ApiError(
      res.status,
      `http_${res.status}`,
      `${what} answered ${res.status} ${res.statusText}${excerpt ? `: ${excerpt}` : ''}`,
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
