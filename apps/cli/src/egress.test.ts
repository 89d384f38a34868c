import { describe, expect, it } from 'vitest';
import { describeEgress, parseEgress } from './egress.js';

describe('parseEgress', () => {
  it('reads the three modes', () => {
    expect(parseEgress('internet')).toEqual({ mode: 'internet' });
    expect(parseEgress('none')).toEqual({ mode: 'none' });
    expect(parseEgress('allow=203.0.113.0/24, 198.51.100.7')).toEqual({
      mode: 'allowlist',
      cidrs: ['203.0.113.0/24', '198.51.100.7'],
    });
    expect(describeEgress(parseEgress('allow=203.0.113.0/24'))).toBe('allow 203.0.113.0/24');
  });

  it.each(['', 'all', 'allow=', 'allow=example.com', 'allow=10.0.0.0/33'])('refuses %j', (text) => {
    expect(() => parseEgress(text)).toThrow(/--egress/);
  });
});
