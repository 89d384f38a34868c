// The installation's pod network gets a subnet carved from a pool AgentPod owns (default a /20
// of 10.213.0.0/16), clear of every network Docker already has: another installation's, the
// operator's own. Docker's default address pools would put it wherever they liked.

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

/**
 * Parses `10.213.0.0/16` with a subnet size like 20. A pool smaller than the subnet size is used
 * whole: `192.168.50.0/24` with /20 gives the network 192.168.50.0/24.
 */
export function parseSubnetPool(cidr: string, subnetPrefix: number): SubnetPool {
  const [ip, prefixText] = cidr.split('/');
  const poolPrefix = Number(prefixText);
  if (!ip || !Number.isInteger(poolPrefix) || poolPrefix < 8 || poolPrefix > 29) {
    throw new Error(`${cidr} is not an IPv4 CIDR with a prefix between /8 and /29`);
  }
  if (!Number.isInteger(subnetPrefix) || subnetPrefix < 8 || subnetPrefix > 29) {
    throw new Error(`the pod network's prefix must be /8../29, got /${subnetPrefix}`);
  }
  const mask = poolPrefix === 0 ? 0 : (~0 << (32 - poolPrefix)) >>> 0;
  return {
    base: (ipToInt(ip) & mask) >>> 0,
    poolPrefix,
    subnetPrefix: Math.max(subnetPrefix, poolPrefix),
  };
}

export function poolCapacity(pool: SubnetPool): number {
  return 2 ** (pool.subnetPrefix - pool.poolPrefix);
}

export function subnetAt(pool: SubnetPool, index: number): string {
  return `${intToIp(pool.base + index * 2 ** (32 - pool.subnetPrefix))}/${pool.subnetPrefix}`;
}

/** `[first, last]` address of an IPv4 CIDR; null for anything else (IPv6, garbage). */
function cidrRange(cidr: string): [number, number] | null {
  const [ip, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  if (!ip || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  let start: number;
  try {
    start = ipToInt(ip);
  } catch {
    return null;
  }
  const size = 2 ** (32 - prefix);
  start = start - (start % size);
  return [start, start + size - 1];
}

/**
 * The lowest subnet of the pool that overlaps none of `taken` (subnets of other pods, and of
 * every network Docker already has: another installation's, the operator's own), or null when
 * the pool is full.
 */
export function allocateSubnet(pool: SubnetPool, taken: Iterable<string>): string | null {
  const capacity = poolCapacity(pool);
  const size = 2 ** (32 - pool.subnetPrefix);
  const blocked = new Set<number>();
  for (const cidr of taken) {
    const range = cidrRange(cidr);
    if (!range) continue;
    const first = Math.max(0, Math.floor((range[0] - pool.base) / size));
    const last = Math.min(capacity - 1, Math.floor((range[1] - pool.base) / size));
    for (let i = first; i <= last; i++) blocked.add(i);
  }
  for (let i = 0; i < capacity; i++) if (!blocked.has(i)) return subnetAt(pool, i);
  return null;
}

/** The first host address: Docker's bridge gateway, which is how pods see the host (and the proxy). */
export function gatewayOf(subnet: string): string {
  const [ip] = subnet.split('/');
  return intToIp(ipToInt(ip ?? '') + 1);
}
