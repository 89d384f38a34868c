// The proxy AgentPod runs itself (AGENTPOD_PROXY=managed): one Caddy container on the host
// network, reconciled like a pod. It is created when missing, recreated when its spec changes
// and started when stopped; its image is pulled and pinned like a pod's. CaddySync then pushes
// the routes through its admin API, which listens on the host's loopback only.
import { createHash } from 'node:crypto';
import type { ImagePull } from '@agentpod/shared';
import { stringify } from 'safe-stable-stringify';
import type { Logger } from '../logger.js';
import type { PullPolicy } from '../reconciler/image-policy.js';
import { DEFAULT_PULL_POLICY, pullFailed, pullGate } from '../reconciler/image-policy.js';
import type { ImagePuller } from '../reconciler/image-puller.js';
import {
  type ContainerLogs,
  type ContainerSpec,
  createContainer,
  DEFAULT_CONTAINER_LOGS,
  DockerEventStream,
  type DockerHost,
  ensureVolume,
  findContainerByName,
  ImagePullError,
  inspectImage,
  LABEL_IMAGE_PIN,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_ROLE,
  LABEL_SPEC_HASH,
  pinnedReference,
  removeContainer,
  startContainer,
  stopContainer,
  writeFiles,
} from '../runtime/index.js';
import { CoalescedRun } from './coalesced-run.js';

export interface ManagedProxyOptions {
  docker: DockerHost;
  puller: ImagePuller;
  installationId: string;
  image: string;
  httpsPort: number;
  httpPort: number;
  adminPort: number;
  checkIntervalMs: number;
  logger: Logger;
  /** The container was (re)started empty: push the routes now. */
  onStarted: () => void;
  pullPolicy?: PullPolicy;
  /** Rotation of the container's json-file log (Caddy logs every request it refuses). */
  containerLogs?: ContainerLogs;
}

export interface ManagedProxyStatus {
  state: 'pending' | 'pulling' | 'running' | 'failed';
  container: string;
  image: string;
  /** What the container runs: the image's digest (or local id) when it was first seen. */
  pinned: string | null;
  lastError: string | null;
}

/** Where the bootstrap config (admin API only) is written in the container. */
const BOOTSTRAP_DIR = '/etc/agentpod';
const BOOTSTRAP_FILE = 'caddy.json';

export class ManagedProxy {
  readonly containerName: string;
  readonly volumeName: string;
  private readonly labels: Record<string, string>;
  private readonly events: DockerEventStream;
  private timer: NodeJS.Timeout | undefined;
  private readonly run = new CoalescedRun(() => this.ensure());
  private pull: ImagePull | null = null;
  private state: ManagedProxyStatus;

  constructor(private readonly opts: ManagedProxyOptions) {
    this.containerName = `agentpod-proxy-${opts.installationId}`;
    this.volumeName = `agentpod-proxy-${opts.installationId}-data`;
    this.labels = {
      [LABEL_MANAGED]: 'true',
      [LABEL_INSTALLATION]: opts.installationId,
      [LABEL_ROLE]: 'proxy',
    };
    this.state = {
      state: 'pending',
      container: this.containerName,
      image: opts.image,
      pinned: null,
      lastError: 'not checked yet',
    };
    this.events = new DockerEventStream(opts.docker, {
      filters: {
        type: ['container'],
        label: Object.entries(this.labels).map(([k, v]) => `${k}=${v}`),
        event: ['die', 'destroy', 'stop'],
      },
      onEvent: () => this.schedule(),
      onStateChange: () => this.schedule(),
      reconnectDelayMs: { min: 500, max: 10_000 },
    });
  }

  get status(): ManagedProxyStatus {
    return this.state;
  }

  start(): void {
    this.events.start();
    this.schedule();
    this.timer = setInterval(() => this.schedule(), this.opts.checkIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.events.stop();
    await this.run.settled();
  }

  /** Checks soon; calls while a check runs collapse into one more. */
  schedule(): void {
    this.run.schedule();
  }

  /** Resolves once the scheduled checks are done (tests). */
  settled(): Promise<void> {
    return this.run.settled();
  }

  private async ensure(): Promise<void> {
    try {
      await this.converge();
    } catch (err) {
      const message = (err as Error).message;
      if (this.state.lastError !== message) {
        this.opts.logger.error({ err: message }, 'could not run the managed proxy');
      }
      this.state = { ...this.state, state: 'failed', lastError: message };
    }
  }

  private async converge(): Promise<void> {
    const { docker } = this.opts;
    const wanted = this.spec();
    const existing = await findContainerByName(docker, this.containerName);
    if (existing && existing.labels[LABEL_SPEC_HASH] === wanted.hash) {
      if (existing.state.status === 'restarting') {
        // Docker keeps restarting it: Caddy exits at once, e.g. when its ports are taken.
        throw new Error(
          `the proxy container keeps exiting (code ${existing.state.exitCode}); see \`docker logs ${this.containerName}\``,
        );
      }
      if (!existing.state.running) await this.startWithConfig(existing.id);
      this.ran(existing.labels[LABEL_IMAGE_PIN] ?? existing.image);
      return;
    }
    await ensureVolume(docker, { name: this.volumeName, labels: this.labels });
    const pinned = await this.pinnedImage();
    if (!pinned) return;
    if (existing) {
      this.opts.logger.info({ container: this.containerName }, 'recreating the managed proxy');
      await stopContainer(docker, existing.id, { timeoutSeconds: 10 });
      await removeContainer(docker, existing.id, { force: true });
    }
    const id = await createContainer(docker, {
      ...wanted.container,
      image: pinned,
      labels: { ...wanted.container.labels, [LABEL_IMAGE_PIN]: pinned },
    });
    await this.startWithConfig(id);
    this.opts.logger.info(
      { container: this.containerName, image: pinned, httpsPort: this.opts.httpsPort },
      'managed proxy started',
    );
    this.ran(pinned);
  }

  private ran(pinned: string): void {
    if (this.state.state !== 'running') this.opts.logger.info('managed proxy running');
    this.state = { ...this.state, state: 'running', pinned, lastError: null };
  }

  /** Caddy starts with only its admin API; the routes arrive from CaddySync right after. */
  private async startWithConfig(id: string): Promise<void> {
    const bootstrap = {
      admin: { listen: `127.0.0.1:${this.opts.adminPort}`, config: { persist: false } },
    };
    await writeFiles(this.opts.docker, id, '/', [
      {
        path: `${BOOTSTRAP_DIR.slice(1)}/${BOOTSTRAP_FILE}`,
        content: JSON.stringify(bootstrap),
        mode: 0o644,
      },
    ]);
    await startContainer(this.opts.docker, id);
    this.opts.onStarted();
  }

  /** The image, present and pinned; null while a failed pull backs off. */
  private async pinnedImage(): Promise<string | null> {
    const { docker, image } = this.opts;
    const local = await inspectImage(docker, image);
    if (local) return pinnedReference(image, local);
    const gate = pullGate(this.pull, 0, Date.now());
    if (!gate.go) return null;
    this.state = { ...this.state, state: 'pulling', lastError: null };
    this.opts.logger.info({ image }, 'pulling the proxy image');
    try {
      await this.opts.puller.pull(image);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      this.pull = pullFailed(
        this.pull,
        { reason: err.failure, message: err.registryMessage },
        0,
        Date.now(),
        this.opts.pullPolicy ?? DEFAULT_PULL_POLICY,
      );
      throw new Error(
        `pulling the proxy image ${image} failed (${err.failure}): ${err.registryMessage}`,
      );
    }
    this.pull = null;
    const pulled = await inspectImage(docker, image);
    if (!pulled) throw new Error(`the proxy image ${image} is not there after its pull`);
    return pinnedReference(image, pulled);
  }

  private spec(): { container: ContainerSpec; hash: string } {
    const container: ContainerSpec = {
      name: this.containerName,
      image: this.opts.image,
      cmd: ['caddy', 'run', '--config', `${BOOTSTRAP_DIR}/${BOOTSTRAP_FILE}`],
      // The official image's locations, set here so any Caddy image keeps its certificates in
      // the volume: a recreated proxy must not ask the CA for every certificate again.
      env: { XDG_DATA_HOME: '/data', XDG_CONFIG_HOME: '/config' },
      labels: { ...this.labels },
      mounts: [{ volume: this.volumeName, target: '/data' }],
      network: { name: 'host' },
      capDrop: ['ALL'],
      capAdd: ['NET_BIND_SERVICE'],
      securityOpt: ['no-new-privileges:true'],
      init: true,
      memoryBytes: 512 * 1024 * 1024,
      pidsLimit: 512,
      restartPolicy: 'unless-stopped',
      logs: this.opts.containerLogs ?? DEFAULT_CONTAINER_LOGS,
    };
    // The ports are part of the spec through Caddy's config, not Docker's: hash them in too.
    const hash = createHash('sha256')
      .update(
        stringify({
          container,
          ports: [this.opts.httpsPort, this.opts.httpPort, this.opts.adminPort],
        }) ?? '',
      )
      .digest('hex')
      .slice(0, 16);
    container.labels[LABEL_SPEC_HASH] = hash;
    return { container, hash };
  }
}
