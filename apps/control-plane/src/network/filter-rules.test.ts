import { describe, expect, it } from 'vitest';
import { chainPrefixFor, renderFilter } from './filter-rules.js';

const base = {
  chainPrefix: chainPrefixFor('inst_test'),
  pool: '10.213.0.0/16',
  proxyPorts: [443, 80],
  dnsServers: ['10.255.255.53'],
};

describe('renderFilter', () => {
  it('names chains per installation, within iptables 28 characters', () => {
    const a = renderFilter({ ...base, pods: [] });
    const b = renderFilter({ ...base, chainPrefix: chainPrefixFor('inst_other'), pods: [] });
    expect(a.chains.forward).not.toBe(b.chains.forward);
    for (const chain of Object.values(a.chains)) expect(chain.length).toBeLessThanOrEqual(28);
  });

  it('hooks only traffic from the pool, into INPUT and DOCKER-USER', () => {
    const { hooks, chains } = renderFilter({ ...base, pods: [] });
    expect(hooks).toEqual([
      { chain: 'INPUT', rule: ['-s', '10.213.0.0/16', '-j', chains.input] },
      { chain: 'DOCKER-USER', rule: ['-s', '10.213.0.0/16', '-j', chains.forward] },
    ]);
  });

  it('lets pods reach only the proxy ports of the host, after replies', () => {
    const { restore, chains } = renderFilter({ ...base, pods: [] });
    const input = restore.split('\n').filter((l) => l.startsWith(`-A ${chains.input} `));
    expect(input.slice(1)).toEqual([
      `-A ${chains.input} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
      `-A ${chains.input} -p tcp -m multiport --dports 443,80 -j RETURN`,
      `-A ${chains.input} -j ${chains.reject}`,
    ]);
  });

  it('refuses private ranges, metadata and the pool for every pod, but lets DNS to the resolver', () => {
    const { restore, chains } = renderFilter({ ...base, pool: '100.127.0.0/16', pods: [] });
    for (const cidr of [
      '10.0.0.0/8',
      '169.254.0.0/16',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.127.0.0/16',
    ]) {
      expect(restore).toContain(`-A ${chains.forward} -d ${cidr} -j ${chains.reject}`);
    }
    const lines = restore.split('\n');
    const dns = lines.indexOf(
      `-A ${chains.forward} -d 10.255.255.53/32 -p udp --dport 53 -j RETURN`,
    );
    const tenNet = lines.indexOf(`-A ${chains.forward} -d 10.0.0.0/8 -j ${chains.reject}`);
    expect(dns).toBeGreaterThan(0);
    expect(dns).toBeLessThan(tenNet);
  });

  it('renders each egress policy by pod address', () => {
    const { restore, chains } = renderFilter({
      ...base,
      pods: [
        { ip: '10.213.0.2', egress: { mode: 'internet' } },
        { ip: '10.213.0.18', egress: { mode: 'none' } },
        { ip: '10.213.0.34', egress: { mode: 'allowlist', cidrs: ['203.0.113.0/24'] } },
      ],
    });
    expect(restore).not.toContain('10.213.0.2/32');
    expect(restore).toContain(`-A ${chains.forward} -s 10.213.0.18/32 -j ${chains.reject}`);
    const lines = restore.split('\n');
    const allow = lines.indexOf(
      `-A ${chains.forward} -s 10.213.0.34/32 -d 203.0.113.0/24 -j RETURN`,
    );
    const deny = lines.indexOf(`-A ${chains.forward} -s 10.213.0.34/32 -j ${chains.reject}`);
    expect(allow).toBeGreaterThan(0);
    expect(deny).toBe(allow + 1);
  });

  it('gives the same text and marker whatever order the pods come in', () => {
    const pods = [
      { ip: '10.213.0.18', egress: { mode: 'none' as const } },
      { ip: '10.213.0.2', egress: { mode: 'none' as const } },
    ];
    const a = renderFilter({ ...base, pods });
    const b = renderFilter({ ...base, pods: [...pods].reverse() });
    expect(a.restore).toBe(b.restore);
    expect(a.marker).toBe(b.marker);
    expect(renderFilter({ ...base, pods: [] }).marker).not.toBe(a.marker);
  });

  it('counts every rule of each chain, the marker included', () => {
    const rules = renderFilter({
      ...base,
      pods: [{ ip: '10.213.0.18', egress: { mode: 'none' } }],
    });
    for (const [chain, count] of Object.entries(rules.counts)) {
      expect(rules.restore.split('\n').filter((l) => l.startsWith(`-A ${chain} `))).toHaveLength(
        count,
      );
    }
  });
});
