// Decides at start whether the network filter runs, and wires it to the installation's settings.
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { listPodAddresses } from '../db/queries/pod-addresses.js';
import { StartupError } from '../errors.js';
import type { Logger } from '../logger.js';
import { chainPrefixFor } from './filter-rules.js';
import { detectIptables, Iptables } from './iptables.js';
import { NetworkFilter } from './network-filter.js';

export interface NetworkFilterSetup {
  config: Config;
  db: Database;
  installationId: string;
  logger: Logger;
  /** Rules on this machine only protect pods of a daemon on this machine. */
  dockerIsLocal: boolean;
  detect?: typeof detectIptables;
  resolvConf?: string;
}

/** Undefined when the policy is off (asked, or `auto` without iptables); throws for `enforce`. */
export function createNetworkFilter(setup: NetworkFilterSetup): NetworkFilter | undefined {
  const { config, logger } = setup;
  if (config.networkPolicy === 'off') return undefined;
  const refuse = (why: string) => {
    if (config.networkPolicy === 'enforce') {
      throw new StartupError(
        'network_policy_unavailable',
        `AGENTPOD_NETWORK_POLICY=enforce: ${why}`,
      );
    }
    logger.warn(`pods' network traffic is not filtered: ${why} (AGENTPOD_NETWORK_POLICY=auto)`);
    return undefined;
  };
  if (!setup.dockerIsLocal) {
    return refuse('the Docker daemon is on another machine, where these rules cannot reach');
  }
  const found = (setup.detect ?? detectIptables)();
  if (!found) {
    return refuse(
      'iptables is missing or not permitted (install iptables; in a container: network_mode host and cap_add NET_ADMIN)',
    );
  }
  if (!found.dockerUser) {
    return refuse(`${found.backend} has no DOCKER-USER chain: is Docker managing iptables?`);
  }
  const proxy = config.proxy;
  const proxyPorts =
    proxy.mode === 'managed' || proxy.mode === 'caddy'
      ? [proxy.httpsPort, proxy.httpPort].filter((p) => p > 0)
      : [];
  return new NetworkFilter({
    iptables: new Iptables(found.backend),
    base: {
      chainPrefix: chainPrefixFor(setup.installationId),
      pool: config.podNetwork.pool,
      proxyPorts,
      dnsServers: nameservers(setup.resolvConf ?? '/etc/resolv.conf'),
    },
    pods: async () => listPodAddresses(setup.db),
    verifyIntervalMs: 10_000,
    logger,
  });
}

/** The host's IPv4 resolvers: Docker's embedded DNS forwards pods' lookups to them. */
export function nameservers(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return (
    [...text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)]
      .map((m) => m[1] as string)
      // Loopback resolvers (systemd-resolved) are not used for pods: Docker substitutes its own.
      .filter((ip) => !ip.startsWith('127.'))
  );
}
