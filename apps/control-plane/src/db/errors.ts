import { AgentPodError } from '../errors.js';

/** The database cannot be reached right now; a retry later may well succeed (HTTP 503). */
export class DatabaseUnavailableError extends AgentPodError {
  constructor(cause: unknown) {
    super('database_unavailable', 'the database is unavailable; try again shortly', { cause });
  }
}

/** Socket-level failures of the connection to PostgreSQL. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** SQLSTATE class 08 (connection exception), admin/crash shutdown, cannot connect now. */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;
/** node-postgres and pg-pool say these in words, with no code. */
const MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * Whether `err` says the database cannot be reached, rather than that it refused a query.
 * Drizzle wraps driver errors (DrizzleQueryError, the driver's error as `cause`) and Node wraps
 * a refused connection to several addresses in an AggregateError, so both chains are walked.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { code, message, cause, errors } = e as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return false;
}

/** The driver's own words at the bottom of a wrapped error (Drizzle's message holds the SQL). */
export function driverReason(err: unknown): string {
  let reason = err instanceof Error ? err.message : String(err);
  let e: unknown = err;
  for (let depth = 0; depth < 10; depth++) {
    const { cause, errors } = e as { cause?: unknown; errors?: unknown };
    e = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
    if (typeof e !== 'object' || e === null) break;
    const { message, code } = e as { message?: unknown; code?: unknown };
    if (typeof message === 'string' && message !== '') reason = message;
    else if (typeof code === 'string') reason = code;
  }
  return reason;
}
