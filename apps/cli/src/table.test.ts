import { describe, expect, it } from 'vitest';
import { formatTable, formatTime } from './table.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    const text = formatTable(
      [
        ['pod_a', 'running', 'ok'],
        ['pod_bbbb', 'stopped', ''],
      ],
      ['ID', 'PHASE', 'NOTE'],
    );
    expect(text.split('\n')).toEqual([
      'ID        PHASE    NOTE',
      'pod_a     running  ok',
      'pod_bbbb  stopped',
    ]);
  });

  it('keeps a row on one line when a cell holds a line break', () => {
    expect(formatTable([['id', 'first\n  second']])).toBe('id  first second');
  });

  it('prints nothing for no rows and no header', () => {
    expect(formatTable([])).toBe('');
  });
});

describe('formatTime', () => {
  it('shows ISO times to the second and a dash for none', () => {
    expect(formatTime('2025-03-01T12:34:56.789Z')).toBe('2025-03-01 12:34:56');
    expect(formatTime(null)).toBe('-');
  });
});
