// Test support for routing: the published JSON schemas of Traefik and Compose, which live in
// the shared/ folder beside the repository (in CI as well), so generated documents are checked
// against what the real tools accept rather than against our own idea of it; and a real Caddy
// process with clients that reach it over verified TLS.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { eventually } from '../runtime/testing.js';
import { CaddyAdmin } from './caddy.js';

/** The repository root: this file is apps/control-plane/src/routing/testing.ts. */
export const REPO_ROOT = new URL('../../../../', import.meta.url);

const SCHEMAS_DIR = new URL('../shared/schemas/', REPO_ROOT);

export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, REPO_ROOT));
}

export type SchemaName =
  | 'traefik-v3-dynamic.schema.json'
  | 'traefik-v3-static.schema.json'
  | 'compose-spec.schema.json';

/** A function that throws, listing every violation, when a document does not fit the schema. */
export function schemaValidator(name: SchemaName): (document: unknown) => void {
  const schema = JSON.parse(readFileSync(new URL(name, SCHEMAS_DIR), 'utf8'));
  // All three are draft-07, Ajv's default dialect, but the Compose one names it by an https URI
  // that Ajv does not know; without the name Ajv uses draft-07 anyway.
  if (!/json-schema\.org\/draft-07\/schema#?$/.test(schema.$schema)) {
    throw new Error(`${name}: expected a draft-07 schema, got ${schema.$schema}`);
  }
  delete schema.$schema;
  // strict: false because the published schemas use keywords ajv does not know (e.g. markdown
  // descriptions); they carry no validation meaning.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  return (document) => {
    if (!validate(document)) {
      throw new Error(`Not a valid ${name} document: ${ajv.errorsText(validate.errors)}`);
    }
  };
}

export async function freePort(address: string): Promise<number> {
  const server = createServer();
  server.listen(0, address);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
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

/**
 * GET over verified TLS, connecting to `address` (never loopback in these tests) and sending
 * `servername` in the handshake (the URL's host by default).
 */
export function httpsGet(
  url: string,
  opts: { address: string; ca: string; servername?: string },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: opts.address,
        port: target.port,
        path: target.pathname,
        servername: opts.servername ?? target.hostname,
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
