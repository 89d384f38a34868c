import { describe, expect, it } from 'vitest';
import { parseDuTotal, volumeAlert } from './volume-usage.js';

const MiB = 1024 * 1024;

describe('the volume alert', () => {
  it('is raised once at the threshold and stays raised above it', () => {
    expect(volumeAlert(false, 99 * MiB, 100 * MiB)).toEqual({ high: false, change: null });
    expect(volumeAlert(false, 100 * MiB, 100 * MiB)).toEqual({ high: true, change: 'raised' });
    expect(volumeAlert(true, 150 * MiB, 100 * MiB)).toEqual({ high: true, change: null });
  });

  it('clears only below 90 % of the threshold, so a volume at the line does not flap', () => {
    expect(volumeAlert(true, 95 * MiB, 100 * MiB)).toEqual({ high: true, change: null });
    expect(volumeAlert(true, 89 * MiB, 100 * MiB)).toEqual({ high: false, change: 'cleared' });
  });
});

describe('du output', () => {
  it('reads the total in KiB as bytes', () => {
    expect(parseDuTotal('2048\t/home/node/.openclaw\n')).toBe(2048 * 1024);
  });

  it('keeps a total printed after unreadable folders', () => {
    expect(parseDuTotal('12\t/data\n')).toBe(12 * 1024);
  });

  it('is null when du printed nothing (missing, or killed by timeout)', () => {
    expect(parseDuTotal('')).toBeNull();
  });
});
