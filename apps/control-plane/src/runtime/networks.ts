// Docker networks: the installation's pod network (reconciler/pod-network.ts), the proxy's.
// `ensureNetwork` is idempotent so the reconciler can call it on every pass.
import type Dockerode from 'dockerode';
import { DockerError, ignoreNotFound } from './errors.js';
import { type DockerHost, withSignal } from './host.js';
import { labelFilter } from './labels.js';

export interface NetworkSpec {
  name: string;
  labels: Record<string, string>;
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  driver?: string;
  options?: Record<string, string>;
}

export interface NetworkView {
  id: string;
  name: string;
  driver: string;
  internal: boolean;
  labels: Record<string, string>;
  /** Driver options, e.g. `com.docker.network.bridge.enable_icc`. */
  options: Record<string, string>;
  subnets: { subnet: string; gateway?: string }[];
  /** Container id -> its IPv4 address on this network (CIDR suffix stripped). Inspect only. */
  containers: Record<string, string>;
}

/** Returns the id of the network called `spec.name`, creating it when missing. */
/** Ensures of one name in this process, in flight: later callers share the first one's answer. */
const ensuring = new Map<string, Promise<string>>();

export function ensureNetwork(host: DockerHost, spec: NetworkSpec): Promise<string> {
  // Docker's own check of duplicate names is not atomic, and settling twins afterwards cannot
  // make a racer that saw no twin agree with one that came later: in one process, one create.
  const key = `${host.description} ${spec.name}`;
  const running = ensuring.get(key);
  if (running) return running;
  const ensured = createOrFindNetwork(host, spec).finally(() => ensuring.delete(key));
  ensuring.set(key, ensured);
  return ensured;
}

async function createOrFindNetwork(host: DockerHost, spec: NetworkSpec): Promise<string> {
  const existing = await inspectNetwork(host, spec.name);
  if (existing) return existing.id;
  let created: string;
  try {
    const network = await host.call('network.create', (signal) =>
      host.docker.createNetwork({
        Name: spec.name,
        Driver: spec.driver ?? 'bridge',
        Internal: spec.internal ?? false,
        Labels: spec.labels,
        Options: spec.options ?? {},
        CheckDuplicate: true,
        ...(spec.subnet
          ? {
              IPAM: {
                Driver: 'default',
                Config: [
                  { Subnet: spec.subnet, ...(spec.gateway ? { Gateway: spec.gateway } : {}) },
                ],
              },
            }
          : {}),
        abortSignal: signal,
      } as Dockerode.NetworkCreateOptions),
    );
    created = network.id;
  } catch (err) {
    if (err instanceof DockerError && err.statusCode === 409) {
      const winner = await inspectNetwork(host, spec.name);
      if (winner) return winner.id;
    }
    throw err;
  }
  return settleTwins(host, spec.name, created);
}

/**
 * Network names are not unique in Docker: CheckDuplicate is checked before creating, not
 * atomically, so concurrent creates can all succeed (seen on 20.10). Every racer then agrees on
 * the oldest network of that name and removes its own if it lost.
 */
async function settleTwins(host: DockerHost, name: string, created: string): Promise<string> {
  const rows = await host.call('network.list', (signal) =>
    host.docker.listNetworks({ filters: { name: [name] }, abortSignal: signal }),
  );
  const [winner] = rows
    .filter((n) => n.Name === name) // the name filter matches substrings
    .map((n) => ({ id: n.Id, created: createdNanos(n.Created) }))
    .sort((a, b) =>
      a.created === b.created ? a.id.localeCompare(b.id) : a.created < b.created ? -1 : 1,
    );
  if (!winner || winner.id === created) return created;
  await removeNetwork(host, created);
  return winner.id;
}

/** Go's RFC3339Nano trims trailing zeros, so these strings do not sort as text. */
export function createdNanos(created: string): bigint {
  const match = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(created);
  const ms = Date.parse(match ? `${match[1]}${match[3]}` : created);
  if (!match || Number.isNaN(ms)) return 0n;
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/** The network with this exact name or id, or null. */
export async function inspectNetwork(
  host: DockerHost,
  nameOrId: string,
): Promise<NetworkView | null> {
  // dockerode's network inspect takes no abortSignal: on timeout the request is abandoned.
  const info = await ignoreNotFound(() =>
    host.call(
      'network.inspect',
      () => host.docker.getNetwork(nameOrId).inspect() as Promise<Dockerode.NetworkInspectInfo>,
    ),
  );
  // Docker also resolves id prefixes; a network named "ab" must not match id "ab12...".
  if (!info || (info.Name !== nameOrId && info.Id !== nameOrId)) return null;
  return toNetworkView(info);
}

export async function removeNetwork(host: DockerHost, nameOrId: string): Promise<void> {
  await ignoreNotFound(() =>
    host.call('network.remove', (signal) =>
      host.docker.getNetwork(nameOrId).remove({ abortSignal: signal }),
    ),
  );
}

export async function listNetworks(
  host: DockerHost,
  labels: Record<string, string>,
): Promise<NetworkView[]> {
  const rows = await host.call('network.list', (signal) =>
    host.docker.listNetworks({ filters: { label: labelFilter(labels) }, abortSignal: signal }),
  );
  return rows.map(toNetworkView);
}

export async function connectContainer(
  host: DockerHost,
  network: string,
  containerId: string,
  { aliases, ipv4Address }: { aliases?: string[]; ipv4Address?: string } = {},
): Promise<void> {
  try {
    await host.call('network.connect', (signal) =>
      host.docker.getNetwork(network).connect(
        withSignal(
          {
            Container: containerId,
            EndpointConfig: {
              Aliases: aliases,
              ...(ipv4Address ? { IPAMConfig: { IPv4Address: ipv4Address } } : {}),
            },
          },
          signal,
        ),
      ),
    );
  } catch (err) {
    // Docker 20.10 answers 403 "endpoint ... already exists" when already connected; we confirm
    // by looking rather than by reading the message.
    if (err instanceof DockerError && err.statusCode === 403) {
      if (await isConnected(host, network, containerId)) return;
    }
    throw err;
  }
}

export async function disconnectContainer(
  host: DockerHost,
  network: string,
  containerId: string,
  { force = false }: { force?: boolean } = {},
): Promise<void> {
  try {
    await host.call('network.disconnect', (signal) =>
      host.docker
        .getNetwork(network)
        .disconnect({ Container: containerId, Force: force, abortSignal: signal }),
    );
  } catch (err) {
    // Docker 20.10 answers 500 "container ... is not connected" when it already is not.
    if (err instanceof DockerError && err.statusCode === 500) {
      if (!(await isConnected(host, network, containerId))) return;
    }
    throw err;
  }
}

async function isConnected(host: DockerHost, network: string, containerId: string) {
  const info = await host.call('container.inspect', (signal) =>
    host.docker.getContainer(containerId).inspect({ abortSignal: signal }),
  );
  const view = await inspectNetwork(host, network);
  return view !== null && info.Id in view.containers;
}

function toNetworkView(info: Dockerode.NetworkInspectInfo): NetworkView {
  return {
    id: info.Id,
    name: info.Name,
    driver: info.Driver,
    internal: info.Internal,
    labels: info.Labels ?? {},
    options: info.Options ?? {},
    subnets: (info.IPAM?.Config ?? []).map((c) => ({
      subnet: c.Subnet ?? '',
      ...(c.Gateway ? { gateway: c.Gateway } : {}),
    })),
    containers: Object.fromEntries(
      Object.entries(info.Containers ?? {}).map(([id, ep]) => [
        id,
        (ep.IPv4Address ?? '').replace(/\/\d+$/, ''),
      ]),
    ),
  };
}
