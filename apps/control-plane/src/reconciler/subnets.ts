// Pod networks get small subnets carved from one pool AgentPod owns (default 10.213.0.0/16 in
// /28s: 4096 networks), because Docker's default address pools run out after about 30 bridges.

export interface SubnetPool {
  /** Network address of the pool as a 32-bit number. */
  base: number;
  poolPrefix: number;
  subnetPrefix: number;
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`${ip} is not an IPv4 address`);
  }
  return (
    (((parts[0] ?? 0) << 24) |
      ((parts[1] ?? 0) << 16) |
      ((parts[2] ?? 0) << 8) |
      (parts[3] ?? 0)) >>>
    0
  );
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `10.213.0.0/16` with a subnet size like 28. */
export function parseSubnetPool(cidr: string, subnetPrefix: number): SubnetPool {
  const [ip, prefixText] = cidr.split('/');
  const poolPrefix = Number(prefixText);
  if (!ip || !Number.isInteger(poolPrefix) || poolPrefix < 8 || poolPrefix > 30) {
    throw new Error(`${cidr} is not an IPv4 CIDR with a prefix between /8 and /30`);
  }
  if (!Number.isInteger(subnetPrefix) || subnetPrefix <= poolPrefix || subnetPrefix > 29) {
    throw new Error(`pod subnets must be /${poolPrefix + 1}../29, got /${subnetPrefix}`);
  }
  const mask = poolPrefix === 0 ? 0 : (~0 << (32 - poolPrefix)) >>> 0;
  return { base: (ipToInt(ip) & mask) >>> 0, poolPrefix, subnetPrefix };
}

export function poolCapacity(pool: SubnetPool): number {
  return 2 ** (pool.subnetPrefix - pool.poolPrefix);
}

export function subnetAt(pool: SubnetPool, index: number): string {
  return `${intToIp(pool.base + index * 2 ** (32 - pool.subnetPrefix))}/${pool.subnetPrefix}`;
}

/** The lowest subnet of the pool that is not in `used`, or null when the pool is full. */
export function allocateSubnet(pool: SubnetPool, used: ReadonlySet<string>): string | null {
  const capacity = poolCapacity(pool);
  for (let i = 0; i < capacity; i++) {
    const candidate = subnetAt(pool, i);
    if (!used.has(candidate)) return candidate;
  }
  return null;
}

/** The first host address: Docker's bridge gateway, which is how pods see the host (and the proxy). */
export function gatewayOf(subnet: string): string {
  const [ip] = subnet.split('/');
  return intToIp(ipToInt(ip ?? '') + 1);
}
