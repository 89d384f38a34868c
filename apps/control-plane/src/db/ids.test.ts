import { PodId } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('makes valid ids of each kind', () => {
    expect(PodId.safeParse(newId('pod')).success).toBe(true);
    expect(newId('tenant')).toMatch(/^ten_[0-9a-z]{20}$/);
  });

  it('sorts ids in the order they were made, also within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId('pod'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps order when the clock steps back', () => {
    const a = newId('pod', Date.now() + 60_000);
    const b = newId('pod', Date.now());
    expect(b > a).toBe(true);
  });
});
