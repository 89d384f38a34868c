// The one Docker host the control plane talks to, chosen once from configuration and passed
// everywhere. Local socket, TCP(+TLS) and SSH are the same value with a different config, so no
// caller ever branches on "local or remote".
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Dockerode from 'dockerode';
import { DockerTimeoutError, isDockerNotAnswering, toDockerError } from './errors.js';

export type DockerTlsFiles = { caPath: string; certPath: string; keyPath: string };
export type DockerTlsOptions = DockerTlsFiles | { certDir: string };

export type DockerHostConfig =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls?: DockerTlsFiles }
  | ({ kind: 'ssh'; host: string; port: number; username?: string } & DockerSshOptions);

/** How to authenticate over SSH: an agent socket (SSH_AUTH_SOCK) and/or a private key file. */
export type DockerSshOptions = { agentSocket?: string; privateKeyPath?: string };

const ACCEPTED_FORMS =
  'expected unix:///path/to/docker.sock, tcp://host:port (TLS with certificate options) or ssh://user@host[:port]';

/** Parses a DOCKER_HOST-style URL. Certificate and key files are read later, by DockerHost. */
export function parseDockerHost(
  url: string,
  tls?: DockerTlsOptions,
  ssh: DockerSshOptions = {},
): DockerHostConfig {
  const bad = (why: string) => new Error(`Invalid Docker host "${url}": ${why}; ${ACCEPTED_FORMS}`);
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw bad('the socket path must be absolute');
    if (tls) throw bad('TLS options apply to tcp:// hosts only');
    return { kind: 'unix', socketPath };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a URL');
  }
  if (!parsed.hostname) throw bad('missing host name');
  if (parsed.pathname !== '' && parsed.pathname !== '/') throw bad('unexpected path');
  if (parsed.protocol === 'tcp:') {
    const files = tls && ('certDir' in tls ? certDirFiles(tls.certDir) : tls);
    // Docker's own convention: 2376 is the TLS port, 2375 the plain one.
    const port = parsed.port ? Number(parsed.port) : files ? 2376 : 2375;
    return files
      ? { kind: 'tcp', host: parsed.hostname, port, tls: files }
      : { kind: 'tcp', host: parsed.hostname, port };
  }
  if (parsed.protocol === 'ssh:') {
    if (tls) throw bad('TLS options apply to tcp:// hosts only');
    const port = parsed.port ? Number(parsed.port) : 22;
    const username = decodeURIComponent(parsed.username);
    return {
      kind: 'ssh',
      host: parsed.hostname,
      port,
      ...(username ? { username } : {}),
      ...(ssh.agentSocket ? { agentSocket: ssh.agentSocket } : {}),
      ...(ssh.privateKeyPath ? { privateKeyPath: ssh.privateKeyPath } : {}),
    };
  }
  throw bad(`unsupported scheme "${parsed.protocol}"`);
}

/** The file names `docker --tlsverify` looks for in DOCKER_CERT_PATH. */
function certDirFiles(dir: string): DockerTlsFiles {
  return {
    caPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'cert.pem'),
    keyPath: join(dir, 'key.pem'),
  };
}

export function describeDockerHost(config: DockerHostConfig): string {
  switch (config.kind) {
    case 'unix':
      return `unix://${config.socketPath}`;
    case 'tcp':
      return `tcp://${config.host}:${config.port}${config.tls ? ' (TLS)' : ''}`;
    case 'ssh':
      return `ssh://${config.username ? `${config.username}@` : ''}${config.host}:${config.port}`;
  }
}

/**
 * Keeps connections to the daemon open for the next call. docker-modem formats every request's
 * options with util.inspect (showHidden, no depth limit) for its debug log, whether or not that
 * log is on; an agent with its sockets would make that walk cost more than the call itself.
 */
function keepAlive<T extends HttpAgent>(agent: T): T {
  Object.defineProperty(agent, inspect.custom, { value: () => '[keep-alive agent]' });
  return agent;
}

/**
 * docker-modem merges DOCKER_HOST / DOCKER_CERT_PATH / DOCKER_TLS_VERIFY from the process
 * environment under whatever we pass, so every connection field is set explicitly (undefined
 * included) to keep the configured host the only one that counts.
 */
function modemOptions(
  config: DockerHostConfig,
): Dockerode.DockerOptions & { pathPrefix: string; agent?: HttpAgent } {
  const none = {
    pathPrefix: '/',
    socketPath: undefined,
    host: undefined,
    port: undefined,
    username: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
  };
  // Connections are kept and reused: a resync, a stats pass or a probe round makes many calls,
  // and a new connection per call cost the control plane more CPU than the call itself.
  switch (config.kind) {
    case 'unix':
      return {
        ...none,
        socketPath: config.socketPath,
        protocol: 'http',
        agent: keepAlive(new HttpAgent({ keepAlive: true })),
      };
    case 'tcp':
      if (!config.tls) {
        const agent = keepAlive(new HttpAgent({ keepAlive: true }));
        return { ...none, host: config.host, port: config.port, protocol: 'http', agent };
      }
      return {
        ...none,
        host: config.host,
        port: config.port,
        protocol: 'https',
        agent: keepAlive(new HttpsAgent({ keepAlive: true })),
        ca: readFileSync(config.tls.caPath),
        cert: readFileSync(config.tls.certPath),
        key: readFileSync(config.tls.keyPath),
      };
    case 'ssh':
      return {
        ...none,
        host: config.host,
        port: config.port,
        username: config.username,
        protocol: 'ssh',
        // docker-modem opens one SSH connection per request and runs `docker system dial-stdio`.
        sshOptions: {
          ...(config.agentSocket ? { agent: config.agentSocket } : {}),
          ...(config.privateKeyPath ? { privateKey: readFileSync(config.privateKeyPath) } : {}),
        },
      };
  }
}

/**
 * Adds the abort signal to a dockerode options object. dockerode 5 reads `abortSignal` from the
 * options of nearly every method, but @types/dockerode 4 declares it on only some of them.
 */
export function withSignal<const T extends object>(options: T, signal: AbortSignal): T {
  return { ...options, abortSignal: signal };
}

export interface DockerHostOptions {
  /** Default deadline for one Docker call; long operations pass their own. */
  timeoutMs?: number;
}

/** Since when the daemon has not answered, and the last call that found it so. */
export interface DockerOutage {
  since: Date;
  error: Error;
}

export class DockerHost {
  readonly docker: Dockerode;
  readonly description: string;
  readonly timeoutMs: number;
  private outage: DockerOutage | null = null;
  private readonly outageListeners = new Set<(outage: DockerOutage | null) => void>();

  constructor(
    readonly config: DockerHostConfig,
    { timeoutMs = 10_000 }: DockerHostOptions = {},
  ) {
    this.docker = new Dockerode(modemOptions(config));
    this.description = describeDockerHost(config);
    this.timeoutMs = timeoutMs;
  }

  /**
   * Null while the daemon answers. Set by the first call that times out or cannot connect,
   * cleared by the next call it answers (with anything, an error status included): every caller
   * shares one view of an outage, so it is reported once, not once per call.
   */
  get notAnswering(): DockerOutage | null {
    return this.outage;
  }

  /** Called when the daemon stops answering (an outage) and when it answers again (null). */
  onOutageChange(listener: (outage: DockerOutage | null) => void): () => void {
    this.outageListeners.add(listener);
    return () => this.outageListeners.delete(listener);
  }

  async ping(): Promise<void> {
    // @types/dockerode declares ping without options; dockerode 5 reads `abortSignal` from them.
    const ping = this.docker.ping as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
    await this.call('ping', (signal) => ping.call(this.docker, { abortSignal: signal }));
  }

  /** Calls made so far (what a resync pass costs in Docker calls is logged from it). */
  calls = 0;

  /**
   * The gate every Docker request in runtime/ goes through (internal to the Docker layer; other
   * modules use the functions in runtime/). It gives `fn` a signal that aborts on the deadline so
   * the HTTP request is really torn down, not just abandoned, and maps whatever fails to a typed
   * DockerError. For streams the deadline covers opening the stream, not its lifetime.
   */
  async call<T>(
    op: string,
    fn: (signal: AbortSignal) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    this.calls++;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const timeout = new DockerTimeoutError(op, timeoutMs);
        controller.abort(timeout);
        reject(timeout);
      }, timeoutMs);
    });
    const work = Promise.resolve().then(() => fn(controller.signal));
    // After a timeout the aborted request still rejects; that rejection is the timeout's echo.
    work.catch(() => {});
    try {
      const result = await Promise.race([work, deadline]);
      this.answered(null);
      return result;
    } catch (err) {
      const error = toDockerError(op, err, this.description);
      this.answered(isDockerNotAnswering(error) ? error : null);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private answered(failure: Error | null): void {
    if (failure && this.outage) {
      this.outage = { ...this.outage, error: failure };
      return;
    }
    if (!failure && !this.outage) return;
    this.outage = failure ? { since: new Date(), error: failure } : null;
    for (const listener of this.outageListeners) listener(this.outage);
  }
}
