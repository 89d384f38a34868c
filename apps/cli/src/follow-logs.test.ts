import { describe, expect, it } from 'vitest';
import { localClock } from './commands/doctor.js';
import { nanos } from './follow-logs.js';

describe('nanos', () => {
  it("orders Docker's timestamps to the nanosecond, trailing zeros dropped or not", () => {
    expect(nanos('2026-12-01T03:40:01.5Z')).toBe(nanos('2026-12-01T03:40:01.500000000Z'));
    expect(nanos('2026-12-01T03:40:01.000000002Z') - nanos('2026-12-01T03:40:01.000000001Z')).toBe(
      1n,
    );
    expect(nanos('2026-12-01T04:40:01+01:00')).toBe(nanos('2026-12-01T03:40:01Z'));
  });
});

describe('localClock (agentpod doctor)', () => {
  const sent = Date.parse('2026-12-01T03:00:00.000Z');
  it('is ok within the round trip, and fails beyond five seconds of it', () => {
    const inTime = localClock('2026-12-01T03:00:00.100Z', sent, sent + 200);
    expect(inTime).toMatchObject({ id: 'clock:cli', status: 'ok', fix: null });
    expect(inTime.detail).toBe(
      "the control plane's clock is 0.0 s ahead of this machine's (± 0.1 s)",
    );
    const behind = localClock('2026-12-01T02:59:50.000Z', sent, sent + 200);
    expect(behind.status).toBe('fail');
    expect(behind.detail).toMatch(/^the control plane's clock is 10\.1 s behind this machine's/);
    expect(localClock('2026-12-01T03:00:03.000Z', sent, sent + 200).status).toBe('warn');
  });
});
