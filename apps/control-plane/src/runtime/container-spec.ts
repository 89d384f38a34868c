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
  /** `host` shares the host's network stack (the managed proxy); no endpoint config then. */
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
  restartPolicy?: 'no' | 'unless-stopped' | 'on-failure';
  healthcheck?: {
    test: string[];
    intervalMs: number;
    timeoutMs: number;
    retries: number;
    startPeriodMs: number;
  };
}

const NS_PER_MS = 1_000_000;

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
      RestartPolicy: { Name: spec.restartPolicy ?? 'no' },
      NetworkMode: network?.name,
    },
    NetworkingConfig:
      network && network.name !== 'host'
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
