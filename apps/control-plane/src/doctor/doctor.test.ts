import { describe, expect, it } from 'vitest';
import { compareVersions } from '../runtime/engine-quirks.js';
import { dockerSince } from '../runtime/logs.js';

describe('compareVersions', () => {
  it('compares API versions part by part, as numbers', () => {
    expect(compareVersions('1.41', '1.41')).toBe(0);
    expect(compareVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareVersions('1.43', '1.41')).toBeGreaterThan(0);
    expect(compareVersions('2.0', '1.99')).toBeGreaterThan(0);
  });
});

describe('dockerSince', () => {
  it('keeps every digit of a line timestamp, and milliseconds of a Date', () => {
    expect(dockerSince('2026-12-01T03:40:01.123456789Z')).toBe('1796096401.123456789');
    // Go's RFC3339Nano drops trailing zeros: .5 is half a second.
    expect(dockerSince('2026-12-01T03:40:01.5Z')).toBe('1796096401.500000000');
    expect(dockerSince('2026-12-01T04:40:01+01:00')).toBe('1796096401.000000000');
    expect(dockerSince(new Date('2026-12-01T03:40:01.250Z'))).toBe('1796096401.250');
    expect(() => dockerSince('yesterday')).toThrow('not an RFC 3339 time: yesterday');
  });
});
