// Harness for end-to-end tests: the built `agentpod` binary as a child process, a real Caddy,
// a fresh PostgreSQL database, and a typed little API client. Everything real.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CaddyAdmin } from '../routing/caddy.js';
import { eventually } from '../runtime/testing.js';

export const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

export async function freePort(address: string): Promise<number> {
  const server = createServer();
  server.listen(0, address);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export async function freshDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = process.env.AGENTPOD_TEST_DATABASE_URL;
  if (!server) throw new Error('AGENTPOD_TEST_DATABASE_URL is not set: run scripts/test-env.sh');
  const name = `agentpod_e2e_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A real Caddy with only its admin API configured: the control plane pushes the rest. */
export class CaddyProcess {
  private child: ChildProcess | undefined;
  log = '';
  admin!: CaddyAdmin;
  adminUrl = '';
  httpsPort = 0;

  private dir = '';

  async start(): Promise<void> {
    // A restart keeps the ports and the data folder (so the same local CA), like a real one.
    if (!this.dir) {
      this.dir = await mkdtemp(join(tmpdir(), 'agentpod-e2e-caddy-'));
      const adminListen = `127.0.0.1:${await freePort('127.0.0.1')}`;
      this.httpsPort = await freePort('0.0.0.0');
      this.adminUrl = `http://${adminListen}`;
      this.admin = new CaddyAdmin(this.adminUrl);
      await writeFile(
        join(this.dir, 'caddy.json'),
        JSON.stringify({ admin: { listen: adminListen } }),
      );
    }
    const dir = this.dir;
    const file = join(dir, 'caddy.json');
    const child = spawn('caddy', ['run', '--config', file], {
      env: {
        ...process.env,
        HOME: dir,
        XDG_DATA_HOME: join(dir, 'data'),
        XDG_CONFIG_HOME: join(dir, 'config'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-8_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await eventually('the Caddy admin API', async () => {
      if (child.exitCode !== null) throw new Error(`caddy exited: ${this.log}`);
      await this.admin.getConfig();
      return true;
    });
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
  }
}

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
      env: { ...process.env, AGENTPOD_PORT: '0', AGENTPOD_LOG_LEVEL: 'info', ...this.env },
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

  async api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }
}

/** GET over verified TLS to `host`, connecting to `address` (never loopback in these tests). */
export function httpsGet(
  url: string,
  opts: { address: string; ca: string },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: opts.address,
        port: target.port,
        path: target.pathname,
        servername: target.hostname,
        headers: { host: target.host },
        ca: opts.ca,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}
