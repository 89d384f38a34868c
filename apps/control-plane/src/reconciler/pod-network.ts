// The installation's pod network: one bridge for all its pods, with traffic between containers
// off. A pod reaches no other pod (Docker drops bridge-to-bridge forwarding when
// `enable_icc=false`), and the host, where the proxy and the prober run, reaches every pod. One
// bridge instead of one per pod keeps the FORWARD chain and the kernel's work per pod constant:
// at 1,000 pods raw Docker created a bridge per pod in 580 s and on one shared bridge in 319 s
// (issue 10, docs/performance.md).
import {
  DockerError,
  type DockerHost,
  ensureNetwork,
  inspectNetwork,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_ROLE,
  listNetworks,
  type NetworkView,
} from '../runtime/index.js';
import { podNetworkName } from './names.js';
import { allocateSubnet, gatewayOf, type SubnetPool } from './subnets.js';

/** Docker's bridge option that turns inter-container traffic off (an iptables DROP per bridge). */
const ICC = 'com.docker.network.bridge.enable_icc';
export const NO_INTER_CONTAINER_TRAFFIC = { [ICC]: 'false' };

export interface PodNetworkInfo {
  name: string;
  id: string;
  subnet: string;
  /** The host as the pods see it: the proxy's address, the only one a pod's agent trusts. */
  gateway: string;
}

/** The network exists but is not one AgentPod may put pods on. */
export class PodNetworkUnusable extends Error {}

/** Attempts at a subnet when another network takes the chosen one between look and create. */
const MAX_SUBNET_ATTEMPTS = 5;

/**
 * Ensures the network once and remembers it: a reconcile asks for it every time and costs no
 * Docker call once it is known. `forget()` makes the next `ensure()` look again (a create that
 * found the network gone, a new leadership).
 */
export class PodNetwork {
  readonly name: string;
  private known: Promise<PodNetworkInfo> | null = null;

  constructor(
    private readonly docker: DockerHost,
    private readonly opts: { installationId: string; pool: SubnetPool },
  ) {
    this.name = podNetworkName(opts.installationId);
  }

  ensure(): Promise<PodNetworkInfo> {
    if (!this.known) {
      const ensuring = this.lookOrCreate();
      this.known = ensuring;
      // A failure is not remembered: the next reconcile tries again.
      ensuring.catch(() => {
        if (this.known === ensuring) this.known = null;
      });
    }
    return this.known;
  }

  forget(): void {
    this.known = null;
  }

  private async lookOrCreate(): Promise<PodNetworkInfo> {
    const existing = await inspectNetwork(this.docker, this.name);
    if (existing) return this.checked(existing);
    for (let attempt = 1; ; attempt++) {
      // Clear of every network Docker has: another installation's, the operator's own.
      const taken = (await listNetworks(this.docker, {})).flatMap((n) =>
        n.subnets.map((s) => s.subnet),
      );
      const subnet = allocateSubnet(this.opts.pool, taken);
      if (!subnet) {
        throw new PodNetworkUnusable(
          `no /${this.opts.pool.subnetPrefix} is free in the pod subnet pool (AGENTPOD_POD_SUBNET_POOL): other networks use all of it`,
        );
      }
      try {
        await ensureNetwork(this.docker, {
          name: this.name,
          labels: {
            [LABEL_MANAGED]: 'true',
            [LABEL_INSTALLATION]: this.opts.installationId,
            [LABEL_ROLE]: 'pods',
          },
          subnet,
          gateway: gatewayOf(subnet),
          options: NO_INTER_CONTAINER_TRAFFIC,
        });
      } catch (err) {
        // Docker refuses a pool that overlaps a network made since we looked (403): pick again.
        const overlap =
          err instanceof DockerError && err.statusCode === 403 && /overlap/i.test(err.message);
        if (!overlap || attempt >= MAX_SUBNET_ATTEMPTS) throw err;
        continue;
      }
      const made = await inspectNetwork(this.docker, this.name);
      if (!made) throw new Error(`network ${this.name} was removed right after it was created`);
      return this.checked(made);
    }
  }

  /** Only a network this installation made, with inter-container traffic off, carries pods. */
  private checked(view: NetworkView): PodNetworkInfo {
    const refuse = (why: string) =>
      new PodNetworkUnusable(
        `network ${this.name} exists but ${why}; remove it and AgentPod makes it again`,
      );
    if (view.labels[LABEL_INSTALLATION] !== this.opts.installationId) {
      throw refuse('was not made by this installation');
    }
    if (view.options[ICC] !== 'false') {
      throw refuse('lets containers on it reach each other');
    }
    const [ipv4] = view.subnets.filter((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s.subnet));
    if (!ipv4) throw refuse('has no IPv4 subnet');
    return {
      name: view.name,
      id: view.id,
      subnet: ipv4.subnet,
      gateway: ipv4.gateway ?? gatewayOf(ipv4.subnet),
    };
  }
}
