import { describe, expect, it } from 'vitest';
import { createdNanos } from './networks.js';

describe('createdNanos', () => {
  it('orders Docker creation times numerically, whatever their fraction length', () => {
    const a = createdNanos('2026-11-28T13:20:24.1234567Z');
    const b = createdNanos('2026-11-28T13:20:24.12345678Z');
    expect(a).toBeLessThan(b);
    expect(b - a).toBe(80n); // .123456700 vs .123456780
    expect(createdNanos('2026-11-28T14:20:24.5+01:00')).toBe(
      createdNanos('2026-11-28T13:20:24.5Z'),
    );
    expect(createdNanos('2026-11-28T13:20:25Z') - createdNanos('2026-11-28T13:20:24Z')).toBe(
      1_000_000_000n,
    );
  });
});
