// The iptables rules that keep pods off the host, the LAN, cloud metadata and each other, and
// hold each pod to its egress policy. Pure: the same input always renders the same text, so a
// live table can be compared with what it should be and put right.
import { createHash } from 'node:crypto';
import type { EgressPolicy } from '@agentpod/shared';

/**
 * Never reachable from a pod, whatever its egress policy: RFC 1918, carrier-grade NAT, loopback,
 * link-local (cloud metadata at 169.254.169.254), "this network", multicast and reserved ranges.
 * Other pods are in 10/8 by default; the pool itself is added in case an operator chose another.
 */
export const PRIVATE_RANGES = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
];

export interface FilterInput {
  /** Unique to the installation: two control planes on one host never touch each other's rules. */
  chainPrefix: string;
  /** The pod address pool: the hooks match only traffic from it. */
  pool: string;
  /** TCP ports of the host a pod may reach: the proxy's public ones. */
  proxyPorts: number[];
  /** The host's resolvers: Docker's embedded DNS forwards a pod's lookups to them from the pod. */
  dnsServers: string[];
  /** Every pod that holds an address, with its policy. */
  pods: { ip: string; egress: EgressPolicy }[];
}

export interface FilterRules {
  /** Our chains, in the order they are declared. */
  chains: { input: string; forward: string; reject: string };
  /** `iptables-restore --noflush` input: declares (and so empties) our chains and fills them. */
  restore: string;
  /** Rules in the built-in chains that send the pool's traffic to ours (`-I <chain> 1 ...`). */
  hooks: { chain: 'INPUT' | 'DOCKER-USER'; rule: string[] }[];
  /** Rules per chain once applied, including the marker: what verification counts. */
  counts: Record<string, number>;
  /** Carried as a comment in every chain: a table that lacks it is not ours any more. */
  marker: string;
}

/** `AGENTPOD-<8 hex>`: 17 characters, so `-FWD` etc. stay far below iptables' 28. */
export function chainPrefixFor(installationId: string): string {
  return `AGENTPOD-${createHash('sha256').update(installationId).digest('hex').slice(0, 8)}`;
}

export function renderFilter(input: FilterInput): FilterRules {
  const chains = {
    input: `${input.chainPrefix}-IN`,
    forward: `${input.chainPrefix}-FWD`,
    reject: `${input.chainPrefix}-REJ`,
  };
  const body: Record<string, string[][]> = {
    // Refusals answer at once (a reset or port-unreachable) instead of a silent drop: the agent's
    // connect fails fast and says why, and tests do not wait out timeouts.
    [chains.reject]: [
      ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ],
    [chains.input]: [
      // Replies to connections the host opened (the proxy, the health prober) pass.
      ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'RETURN'],
      ...(input.proxyPorts.length > 0
        ? [
            [
              '-p',
              'tcp',
              '-m',
              'multiport',
              '--dports',
              unique(input.proxyPorts).join(','),
              '-j',
              'RETURN',
            ],
          ]
        : []),
      ['-j', chains.reject],
    ],
    [chains.forward]: [
      ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'RETURN'],
      ...unique(input.dnsServers).flatMap((dns) =>
        ['udp', 'tcp'].map((proto) => [
          '-d',
          `${dns}/32`,
          '-p',
          proto,
          '--dport',
          '53',
          '-j',
          'RETURN',
        ]),
      ),
      ...unique([...PRIVATE_RANGES, input.pool]).map((cidr) => ['-d', cidr, '-j', chains.reject]),
      // Sorted so the text (and the marker) depends on the pods, not on the order they were read.
      ...[...input.pods]
        .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
        .flatMap((pod) => egressRules(pod.ip, pod.egress, chains.reject)),
    ],
  };
  const marker = createHash('sha256')
    .update(JSON.stringify({ chains, body }))
    .digest('hex')
    .slice(0, 16);
  const lines = ['*filter', ...Object.keys(body).map((c) => `:${c} - [0:0]`)];
  for (const [chain, rules] of Object.entries(body)) {
    lines.push(`-A ${chain} -m comment --comment "agentpod ${marker}"`);
    for (const rule of rules) lines.push(`-A ${chain} ${rule.join(' ')}`);
  }
  lines.push('COMMIT', '');
  return {
    chains,
    restore: lines.join('\n'),
    hooks: [
      { chain: 'INPUT', rule: ['-s', input.pool, '-j', chains.input] },
      { chain: 'DOCKER-USER', rule: ['-s', input.pool, '-j', chains.forward] },
    ],
    counts: Object.fromEntries(Object.entries(body).map(([c, rules]) => [c, rules.length + 1])),
    marker,
  };
}

/** `internet` needs no rule: public addresses are what is left after the private refusals. */
function egressRules(ip: string, egress: EgressPolicy, reject: string): string[][] {
  const source = ['-s', `${ip}/32`];
  switch (egress.mode) {
    case 'internet':
      return [];
    case 'none':
      return [[...source, '-j', reject]];
    case 'allowlist':
      return [
        ...unique(egress.cidrs).map((cidr) => [...source, '-d', cidr, '-j', 'RETURN']),
        [...source, '-j', reject],
      ];
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
