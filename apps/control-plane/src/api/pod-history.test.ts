import { describe, expect, it } from 'vitest';
import { seriesPlan } from './pod-history.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const deps = { statsIntervalMs: 10_000, rawRetentionMs: 6 * 3_600_000, now };
const hour = (h: number) => now - h * 3_600_000;

describe('seriesPlan', () => {
  it('serves the last hour from raw samples in about 60 points, or at the step asked', () => {
    expect(seriesPlan({ since: hour(1), until: now }, undefined, deps)).toEqual({
      stepSeconds: 60,
      resolution: 0,
    });
    expect(seriesPlan({ since: hour(1), until: now }, 30, deps).stepSeconds).toBe(30);
  });

  it('never steps finer than the samples, nor than the rollups for older ranges', () => {
    expect(seriesPlan({ since: now - 60_000, until: now }, 1, deps).stepSeconds).toBe(10);
    expect(seriesPlan({ since: hour(24), until: now }, 60, deps)).toEqual({
      stepSeconds: 300,
      resolution: 300,
    });
  });

  it('refuses a step that would give more than a thousand points', () => {
    expect(() => seriesPlan({ since: hour(6), until: now }, 10, deps)).toThrow(
      /more than 1000 points/,
    );
  });
});
