import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { driverReason, isDatabaseUnavailable } from './errors.js';

/** Errors shaped as node-postgres, pg-pool and Node's net module make them. */
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
  code: 'ECONNREFUSED',
  syscall: 'connect',
});
const sqlState = (code: string, message: string) => Object.assign(new Error(message), { code });
const wrapped = (cause: Error) => new DrizzleQueryError('select 1', [], cause);

describe('isDatabaseUnavailable', () => {
  it('sees a lost connection inside Drizzle and AggregateError wrappers', () => {
    expect(isDatabaseUnavailable(wrapped(refused))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([refused], ''))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(new Error('Connection terminated unexpectedly')))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('sees the SQLSTATEs of a server going away or not taking connections', () => {
    for (const code of ['08006', '08001', '08P01', '57P01', '57P02', '57P03']) {
      expect(isDatabaseUnavailable(wrapped(sqlState(code, 'x'))), code).toBe(true);
    }
  });

  it('leaves errors of the query itself alone', () => {
    expect(isDatabaseUnavailable(wrapped(sqlState('23505', 'duplicate key')))).toBe(false);
    expect(isDatabaseUnavailable(wrapped(sqlState('57014', 'canceling statement')))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    const loop: Error & { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    expect(isDatabaseUnavailable(loop)).toBe(false);
  });
});

describe('driverReason', () => {
  it("gives the driver's words, not Drizzle's message with the SQL", () => {
    expect(driverReason(wrapped(refused))).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect(driverReason(wrapped(new AggregateError([refused], '')))).toBe(
      'connect ECONNREFUSED 127.0.0.1:5432',
    );
  });
});
