import { describe, expect, it } from 'vitest';
import { PodId, TenantId } from './ids.js';

describe('id schemas', () => {
  it('accepts a well-formed id of its own kind only', () => {
    expect(PodId.safeParse('pod_0123456789abcdefghij').success).toBe(true);
    expect(TenantId.safeParse('pod_0123456789abcdefghij').success).toBe(false);
  });
  it.each([
    'pod_',
    'pod_0123456789ABCDEFGHIJ',
    'pod_0123456789abcdefghij0',
    '../pod',
    'pod_01234 6789abcdefghij',
  ])('rejects %j', (id) => {
    expect(PodId.safeParse(id).success).toBe(false);
  });
});
