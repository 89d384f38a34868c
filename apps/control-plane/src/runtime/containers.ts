// Container lifecycle on one DockerHost. Each function is one Docker request behind the host's
// deadline; "already in that state" answers (304 on start/stop, 404 on remove) are success, so
// the reconciler can repeat any step safely.
import type Dockerode from 'dockerode';
import { type ContainerSpec, containerCreateBody } from './container-spec.js';
import { DockerError, ignoreNotFound } from './errors.js';
import type { DockerHost } from './host.js';
import { labelFilter } from './labels.js';

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy';

export interface ContainerView {
  id: string;
  name: string;
  /** The reference the container was created from, e.g. `agentpod/openclaw:1.2`. */
  image: string;
  imageId: string;
  labels: Record<string, string>;
  state: {
    status: ContainerStatus;
    running: boolean;
    exitCode: number;
    oomKilled: boolean;
    startedAt: Date | null;
    finishedAt: Date | null;
    health?: ContainerHealth;
    /** The init process on the host while running (0 otherwise): where its cgroup is found. */
    pid: number;
  };
  restartCount: number;
  /** Docker's restart policy name: `no`, `unless-stopped`, `always`, `on-failure`. */
  restartPolicy: string;
  /** Network name -> the container's IPv4 address on it ('' while not running). */
  networks: Record<string, string>;
}

/** One row of a listing: less than an inspect (no exit code), but one request for many. */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  status: ContainerStatus;
  /** Docker's human text, e.g. "Up 3 minutes (healthy)". */
  statusText: string;
  networks: Record<string, string>;
  /**
   * Named volumes (and binds, without a name), where they are mounted, and where their data is
   * on the daemon's machine (`/var/lib/docker/volumes/<name>/_data` for a local volume).
   */
  mounts: { name: string | undefined; destination: string; source: string }[];
}

export async function createContainer(host: DockerHost, spec: ContainerSpec): Promise<string> {
  const created = await host.call('container.create', (signal) =>
    // `_query`/`_body` keep the body out of the URL: dockerode otherwise serialises every create
    // option (env values included, i.e. tokens) into the query string.
    host.docker.createContainer({
      _query: { name: spec.name },
      _body: containerCreateBody(spec),
      abortSignal: signal,
    } as unknown as Dockerode.ContainerCreateOptions),
  );
  return created.id;
}

export async function startContainer(host: DockerHost, id: string): Promise<void> {
  await ignoreStatus(304, () =>
    host.call('container.start', (signal) =>
      host.docker.getContainer(id).start({ abortSignal: signal }),
    ),
  );
}

export async function stopContainer(
  host: DockerHost,
  id: string,
  { timeoutSeconds }: { timeoutSeconds: number },
): Promise<void> {
  // The daemon waits up to `t` seconds before SIGKILL, so our deadline must outlast it.
  await ignoreStatus(304, () =>
    host.call(
      'container.stop',
      (signal) => host.docker.getContainer(id).stop({ t: timeoutSeconds, abortSignal: signal }),
      host.timeoutMs + timeoutSeconds * 1000,
    ),
  );
}

export async function restartContainer(
  host: DockerHost,
  id: string,
  { timeoutSeconds = 10 }: { timeoutSeconds?: number } = {},
): Promise<void> {
  await host.call(
    'container.restart',
    (signal) => host.docker.getContainer(id).restart({ t: timeoutSeconds, abortSignal: signal }),
    host.timeoutMs + timeoutSeconds * 1000,
  );
}

export async function removeContainer(
  host: DockerHost,
  id: string,
  { force = false, removeVolumes = false }: { force?: boolean; removeVolumes?: boolean } = {},
): Promise<void> {
  await ignoreNotFound(() =>
    host.call('container.remove', (signal) =>
      host.docker.getContainer(id).remove({ force, v: removeVolumes, abortSignal: signal }),
    ),
  );
}

/** Changes a container's restart policy in place (no recreate; Docker applies it at its next exit). */
export async function updateRestartPolicy(
  host: DockerHost,
  id: string,
  policy: 'no' | 'unless-stopped',
): Promise<void> {
  await host.call('container.update', (signal) =>
    host.docker.getContainer(id).update({ RestartPolicy: { Name: policy }, abortSignal: signal }),
  );
}

/** Throws DockerNotFoundError when there is no such container. */
export async function inspectContainer(host: DockerHost, idOrName: string): Promise<ContainerView> {
  const info = await host.call('container.inspect', (signal) =>
    host.docker.getContainer(idOrName).inspect({ abortSignal: signal }),
  );
  return toContainerView(info);
}

export async function findContainerByName(
  host: DockerHost,
  name: string,
): Promise<ContainerView | null> {
  const view = await ignoreNotFound(() => inspectContainer(host, name));
  // Docker resolves a lookup by name *or* id prefix; only an exact name is a match.
  return view && view.name === name ? view : null;
}

/** Every container (any state) carrying all of `labels`. */
export async function listContainers(
  host: DockerHost,
  labels: Record<string, string>,
): Promise<ContainerSummary[]> {
  const rows = await host.call('container.list', (signal) =>
    host.docker.listContainers({
      all: true,
      filters: { label: labelFilter(labels) },
      abortSignal: signal,
    }),
  );
  return rows.map((row) => ({
    id: row.Id,
    name: (row.Names[0] ?? '').replace(/^\//, ''),
    image: row.Image,
    labels: row.Labels ?? {},
    status: row.State as ContainerStatus,
    statusText: row.Status,
    networks: Object.fromEntries(
      Object.entries(row.NetworkSettings?.Networks ?? {}).map(([net, info]) => [
        net,
        info.IPAddress,
      ]),
    ),
    mounts: (row.Mounts ?? []).map((m) => ({
      name: m.Name,
      destination: m.Destination,
      source: m.Source ?? '',
    })),
  }));
}

export function toContainerView(info: Dockerode.ContainerInspectInfo): ContainerView {
  const health = info.State.Health?.Status;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image,
    labels: info.Config.Labels ?? {},
    state: {
      status: info.State.Status as ContainerStatus,
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
      startedAt: dockerTime(info.State.StartedAt),
      finishedAt: dockerTime(info.State.FinishedAt),
      pid: info.State.Pid ?? 0,
      ...(health === 'starting' || health === 'healthy' || health === 'unhealthy'
        ? { health }
        : {}),
    },
    restartCount: info.RestartCount,
    restartPolicy: info.HostConfig?.RestartPolicy?.Name || 'no',
    networks: Object.fromEntries(
      Object.entries(info.NetworkSettings.Networks ?? {}).map(([net, ep]) => [net, ep.IPAddress]),
    ),
  };
}

/** Docker writes the zero time (0001-01-01T00:00:00Z) for "never". */
function dockerTime(value: string): Date | null {
  if (!value || value.startsWith('0001-')) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

async function ignoreStatus(status: number, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DockerError && err.statusCode === status) return;
    throw err;
  }
}
