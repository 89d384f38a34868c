// Harness for tests that run a whole control plane: the built `agentpod` binary as a child
// process, or `startServer` in this process, each with a little API client; and a client
// container with the real OpenClaw CLI. Caddy and scratch databases come from routing/ and db/.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import { createScratchDatabase } from '../db/testing.js';
import { createLogger } from '../logger.js';
import {
  createContainer,
  type DockerHost,
  execInContainer,
  startContainer,
  writeFiles,
} from '../runtime/index.js';
import { testImage } from '../runtime/testing.js';
import { type RunningServer, startServer } from '../server.js';

export { CaddyProcess, httpsGet } from '../routing/testing.js';
export { createScratchDatabase };

/** One call of the REST API as its admin: the status, and the JSON body (null when empty). */
export async function callApi<T = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/**
 * A control plane started in this process (`startServer`) on `env` alone (never the test
 * process's environment), with no proxy unless `env` names one: for tests that also reach into
 * its services (the reconciler, the sweeper).
 */
export class InProcessControlPlane {
  private constructor(
    readonly server: RunningServer,
    /** The admin token it announced; '' on a database that had one (set it from the first). */
    public token: string,
  ) {}

  /** Also removed by close(): the scratch database and data folder `startFresh` made. */
  private readonly scratch: (() => Promise<void>)[] = [];

  /**
   * On a new scratch PostgreSQL database and a new data folder, both gone after close(): what
   * most tests want. `env` adds to (and may override) those settings.
   */
  static async startFresh(env: Record<string, string>): Promise<InProcessControlPlane> {
    const db = await createScratchDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'agentpod-test-'));
    const cleanup = async () => {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      const cp = await InProcessControlPlane.start({
        DATABASE_URL: db.url,
        AGENTPOD_DATA_DIR: dataDir,
        AGENTPOD_SWEEP_DRY_RUN: 'true',
        ...env,
      });
      cp.scratch.push(cleanup);
      return cp;
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  static async start(env: Record<string, string>): Promise<InProcessControlPlane> {
    let token = '';
    const server = await startServer(
      loadConfig({
        AGENTPOD_PORT: '0',
        AGENTPOD_PROXY: 'none',
        // Rules on the shared host outlive a test's control plane: a test that wants the
        // network filter asks for it (network/network-filter.int.test.ts).
        AGENTPOD_NETWORK_POLICY: 'off',
        ...env,
      }),
      createLogger('silent'),
      {
        announce: (line) => {
          token = /(ap_[\w-]+)/.exec(line)?.[1] ?? token;
        },
      },
    );
    return new InProcessControlPlane(server, token);
  }

  get services() {
    return this.server.services;
  }

  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
    return callApi<T>(this.server.url, this.token, method, path, body);
  }

  async close(): Promise<void> {
    try {
      await this.server.close();
    } finally {
      for (const cleanup of this.scratch.splice(0)) await cleanup();
    }
  }
}

export const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

/** `agentpod server` as a user runs it, killable like a crashed process. */
export class ControlPlaneProcess {
  private child: ChildProcess | undefined;
  url = '';
  token = '';
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm build first`);
    // A restart prints a new URL (and no new token): read only this run's output.
    this.output = '';
    const child = spawn(process.execPath, [CLI, 'server'], {
      env: {
        ...process.env,
        AGENTPOD_PORT: '0',
        AGENTPOD_LOG_LEVEL: 'info',
        AGENTPOD_NETWORK_POLICY: 'off',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-50_000);
        const token = /shown only this once: (ap_[\w-]+)/.exec(this.output)?.[1];
        if (token) this.token = token;
        const url = /"url":"(http:\/\/[^"]+)","msg":"control plane listening"/.exec(
          this.output,
        )?.[1];
        if (url) resolve(url);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) =>
        reject(new Error(`control plane exited with ${code}: ${this.output.slice(-2000)}`)),
      );
    });
  }

  /** Started and not exited (a crash shows here, not only as failing requests). */
  get running(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** The exit code once exited (null while running, or when a signal ended it). */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** SIGKILL: no shutdown hooks, exactly like a crash or an OOM kill. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
    return callApi<T>(this.url, this.token, method, path, body);
  }
}

/**
 * A long-lived container with the real OpenClaw CLI, trusting `ca` (the proxy's root) and with
 * `hosts` (name -> address) in its /etc/hosts: a client that is not on loopback, as OpenClaw
 * requires of proxied clients.
 */
export async function openclawClient(
  docker: DockerHost,
  opts: { ca: string; hosts: Record<string, string>; labels: Record<string, string> },
): Promise<string> {
  const id = await createContainer(docker, {
    name: `aptest-e2e-client-${randomBytes(3).toString('hex')}`,
    image: testImage('OPENCLAW'),
    cmd: ['sleep', '600'],
    env: { NODE_EXTRA_CA_CERTS: '/tmp/proxy-root.pem', HOME: '/tmp' },
    labels: opts.labels,
    mounts: [],
  });
  await writeFiles(docker, id, '/tmp', [{ path: 'proxy-root.pem', content: opts.ca, mode: 0o644 }]);
  await startContainer(docker, id);
  const lines = Object.entries(opts.hosts).map(([name, address]) => `${address} ${name}`);
  await execInContainer(
    docker,
    id,
    ['sh', '-c', `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} >> /etc/hosts`],
    {
      user: '0',
    },
  );
  return id;
}

/** `openclaw gateway health` against `url` with the pod's gateway token, from the client. */
export function openclawGatewayHealth(
  docker: DockerHost,
  client: string,
  url: string,
  token: string,
) {
  return execInContainer(
    docker,
    client,
    ['openclaw', 'gateway', 'health', '--json', '--url', url, '--token', token],
    { timeoutMs: 60_000 },
  );
}
