import { describe, expect, it } from 'vitest';
import { allocateSubnet, gatewayOf, parseSubnetPool, poolCapacity, subnetAt } from './subnets.js';

describe('pod subnets', () => {
  const pool = parseSubnetPool('10.213.0.0/16', 28);

  it('fits 4096 /28 networks in a /16, well over 1,000 pods', () => {
    expect(poolCapacity(pool)).toBe(4096);
    expect(subnetAt(pool, 0)).toBe('10.213.0.0/28');
    expect(subnetAt(pool, 1)).toBe('10.213.0.16/28');
    expect(subnetAt(pool, 4095)).toBe('10.213.255.240/28');
  });

  it('hands out the lowest free subnet and reports a full pool', () => {
    expect(allocateSubnet(pool, new Set())).toBe('10.213.0.0/28');
    expect(allocateSubnet(pool, new Set(['10.213.0.0/28', '10.213.0.32/28']))).toBe(
      '10.213.0.16/28',
    );
    const small = parseSubnetPool('192.168.50.0/27', 28);
    expect(allocateSubnet(small, new Set(['192.168.50.0/28', '192.168.50.16/28']))).toBeNull();
  });

  it('skips every subnet that overlaps a network Docker already has, whatever its size', () => {
    // Another installation's /24 inside our pool, a /8 that only touches it, and noise.
    const taken = ['10.213.0.0/24', '10.0.0.0/8', 'fd00::/64', 'garbage'];
    expect(allocateSubnet(pool, taken)).toBeNull();
    expect(allocateSubnet(pool, ['10.213.0.0/24', '172.17.0.0/16', 'fd00::/64'])).toBe(
      '10.213.1.0/28',
    );
    // A smaller network than ours still blocks the /28 that contains it.
    expect(allocateSubnet(pool, ['10.213.0.4/30'])).toBe('10.213.0.16/28');
  });

  it("gives an installation's pod network a /20 of the default pool, room for 4,093 pods", () => {
    const shared = parseSubnetPool('10.213.0.0/16', 20);
    expect(poolCapacity(shared)).toBe(16);
    expect(allocateSubnet(shared, ['10.213.0.0/20', '172.17.0.0/16'])).toBe('10.213.16.0/20');
    // Another installation's old per-pod /28 blocks the /20 around it.
    expect(allocateSubnet(shared, ['10.213.0.16/28'])).toBe('10.213.16.0/20');
  });

  it('uses a pool smaller than the network whole', () => {
    const small = parseSubnetPool('192.168.50.0/24', 20);
    expect(small.subnetPrefix).toBe(24);
    expect(allocateSubnet(small, [])).toBe('192.168.50.0/24');
    expect(allocateSubnet(small, ['192.168.50.128/25'])).toBeNull();
  });

  it('normalises the pool base and derives the gateway', () => {
    expect(subnetAt(parseSubnetPool('10.213.7.9/16', 28), 0)).toBe('10.213.0.0/28');
    expect(gatewayOf('10.213.0.16/28')).toBe('10.213.0.17');
  });

  it('rejects nonsense pools', () => {
    expect(() => parseSubnetPool('10.213.0.0', 28)).toThrow(/CIDR/);
    expect(() => parseSubnetPool('10.213.0.0/16', 30)).toThrow(/\/29/);
    expect(() => parseSubnetPool('10.213.0.0/30', 28)).toThrow(/\/29/);
    expect(() => parseSubnetPool('300.1.1.1/16', 28)).toThrow(/IPv4/);
  });
});
