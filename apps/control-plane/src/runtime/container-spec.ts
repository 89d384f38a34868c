// What a pod's container should look like, in our words, and the pure translation to Docker's
// create body. Kept apart from the calls so the translation is testable without a daemon.
import type Dockerode from 'dockerode';

export interface ContainerMount {
  volume: string;
  target: string;
  readOnly?: boolean;
}

export interface ContainerSpec {
  name: string;
  /** Defaults to Docker's (the short container id, which changes on every recreate). */
  hostname?: string;
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  user?: string;
  workingDir?: string;
  labels: Record<string, string>;
  mounts: ContainerMount[];
  /**
   * `host` shares the host's network stack (the managed proxy), `none` gives a loopback only;
   * no endpoint config for either.
   */
  network?: { name: string; aliases?: string[]; ipv4Address?: string };
  exposedPorts?: number[];
  publish?: { containerPort: number; hostPort: number; hostIp: string }[];
  memoryBytes?: number;
  nanoCpus?: number;
  pidsLimit?: number;
  capDrop?: string[];
  capAdd?: string[];
  securityOpt?: string[];
  init?: boolean;
  readonlyRootfs?: boolean;
  /** Memory-backed scratch mounts (with a read-only root: the only writable paths besides volumes). */
  tmpfs?: TmpfsMount[];
  /** Rotation of Docker's json-file log; without it the log grows until the disk is full. */
  logs?: ContainerLogs;
  restartPolicy?: 'no' | 'unless-stopped' | 'on-failure';
  healthcheck?: {
    test: string[];
    intervalMs: number;
    timeoutMs: number;
    retries: number;
    startPeriodMs: number;
  };
}

export interface TmpfsMount {
  target: string;
  sizeBytes: number;
  /** Octal mode of the mount's root. */
  mode: number;
  /** Owner of the mount's root, so a non-root agent can write there. */
  uid?: number;
  gid?: number;
}

/**
 * json-file keeps `docker logs` (and AgentPod's log streaming, which reads the same API) working;
 * Docker rotates at `maxSize` and keeps `maxFiles` files in all.
 */
export interface ContainerLogs {
  /** Docker's size syntax: `10m`, `512k`, `1g`. */
  maxSize: string;
  maxFiles: number;
}

export const DEFAULT_CONTAINER_LOGS: ContainerLogs = { maxSize: '10m', maxFiles: 3 };

const NS_PER_MS = 1_000_000;

/** Docker's `--tmpfs` option string. Scratch space holds data, never programs: noexec. */
export function tmpfsOptions(m: TmpfsMount): string {
  return [
    'rw',
    'noexec',
    'nosuid',
    'nodev',
    `size=${m.sizeBytes}`,
    `mode=${m.mode.toString(8)}`,
    ...(m.uid !== undefined ? [`uid=${m.uid}`] : []),
    ...(m.gid !== undefined ? [`gid=${m.gid}`] : []),
  ].join(',');
}

/** Docker's create body (everything except the name, which travels in the query). */
export function containerCreateBody(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  const ports = new Set([
    ...(spec.exposedPorts ?? []),
    ...(spec.publish ?? []).map((p) => p.containerPort),
  ]);
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.publish ?? []) {
    const key = `${p.containerPort}/tcp`;
    portBindings[key] = [
      ...(portBindings[key] ?? []),
      { HostIp: p.hostIp, HostPort: String(p.hostPort) },
    ];
  }
  const { network, healthcheck } = spec;
  return {
    Image: spec.image,
    Hostname: spec.hostname,
    Cmd: spec.cmd,
    Entrypoint: spec.entrypoint,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    User: spec.user,
    WorkingDir: spec.workingDir,
    Labels: spec.labels,
    // Pods are services, not terminals: without a TTY, logs and exec output stay demultiplexable.
    Tty: false,
    OpenStdin: false,
    ExposedPorts: Object.fromEntries([...ports].map((port) => [`${port}/tcp`, {}])),
    Healthcheck: healthcheck && {
      Test: healthcheck.test,
      Interval: healthcheck.intervalMs * NS_PER_MS,
      Timeout: healthcheck.timeoutMs * NS_PER_MS,
      Retries: healthcheck.retries,
      StartPeriod: healthcheck.startPeriodMs * NS_PER_MS,
    },
    HostConfig: {
      Mounts: spec.mounts.map((m) => ({
        Type: 'volume' as const,
        Source: m.volume,
        Target: m.target,
        ReadOnly: m.readOnly ?? false,
      })),
      PortBindings: portBindings,
      Memory: spec.memoryBytes,
      NanoCpus: spec.nanoCpus,
      PidsLimit: spec.pidsLimit,
      CapDrop: spec.capDrop,
      CapAdd: spec.capAdd,
      SecurityOpt: spec.securityOpt,
      Init: spec.init,
      ReadonlyRootfs: spec.readonlyRootfs,
      Tmpfs: spec.tmpfs && Object.fromEntries(spec.tmpfs.map((m) => [m.target, tmpfsOptions(m)])),
      LogConfig: spec.logs && {
        Type: 'json-file',
        Config: { 'max-size': spec.logs.maxSize, 'max-file': String(spec.logs.maxFiles) },
      },
      RestartPolicy: { Name: spec.restartPolicy ?? 'no' },
      NetworkMode: network?.name,
    },
    NetworkingConfig:
      network && network.name !== 'host' && network.name !== 'none'
        ? {
            EndpointsConfig: {
              [network.name]: {
                Aliases: network.aliases,
                IPAMConfig: network.ipv4Address ? { IPv4Address: network.ipv4Address } : undefined,
              },
            },
          }
        : undefined,
  };
}
