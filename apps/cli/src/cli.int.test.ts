// Runs the built `agentpod` binary as a user would, against the real Docker daemon and
// PostgreSQL server. `pnpm build` must have run (scripts/test.sh does).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let workDir: string;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first`);
  workDir = mkdtempSync(join(tmpdir(), 'agentpod-cli-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _, ...rest } = process.env;
  return { ...rest, AGENTPOD_LOG_LEVEL: 'info', ...extra };
}

function run(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: env(extra),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asserts the CLI failed the way users should see it: one line, no stack trace. */
function expectOneLineFailure(r: ReturnType<typeof run>, pattern: RegExp) {
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^agentpod: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** Databases this file made on the shared test server: dropped when it ends. */
const madeDatabases: string[] = [];
afterAll(async () => {
  const admin = new pg.Client({ connectionString: process.env.AGENTPOD_TEST_DATABASE_URL });
  await admin.connect();
  for (const name of madeDatabases)
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

async function freshDatabase(): Promise<string> {
  const server = process.env.AGENTPOD_TEST_DATABASE_URL as string;
  const name = `agentpod_cli_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  madeDatabases.push(name);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

async function publicTables(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY 1`,
  );
  await c.end();
  return r.rows.map((x) => x.table_name as string);
}

describe('agentpod server on its embedded defaults', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  /** Starts the server on a free port; resolves with its URL and what it printed on stderr. */
  async function start(dataDir: string): Promise<{ url: string; stderr: () => string }> {
    child = spawn(process.execPath, [BIN, 'server'], {
      env: env({ AGENTPOD_DATA_DIR: dataDir, AGENTPOD_PORT: '0' }),
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child?.stdout?.on('data', (d) => {
        out += d;
        const m = /"url":"(http:\/\/[^"]+)","msg":"control plane listening"/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child?.on('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });
    return { url, stderr: () => stderr };
  }

  async function stop(): Promise<number | null> {
    const c = child;
    if (!c) return null;
    const exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
    c.kill('SIGTERM');
    const code = await exited;
    child = undefined;
    return code;
  }

  it('serves health, creates the first admin token once, and stops cleanly on SIGTERM', async () => {
    const dataDir = join(workDir, 'defaults');
    const first = await start(dataDir);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${first.url}/readyz`)).json()).toEqual({ ok: true, role: 'leader' });
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    const token = /shown only this once: (ap_[\w-]+)/.exec(first.stderr())?.[1];
    expect(token).toBeDefined();
    expect(await stop()).toBe(0);

    // Second start on the same data: migrations already applied, no new token.
    const second = await start(dataDir);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    expect(second.stderr()).not.toContain('shown only this once');
    expect(await stop()).toBe(0);

    const list = run(['token', 'list'], { AGENTPOD_DATA_DIR: dataDir });
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(1);
    expect(list.stdout).toContain(token?.slice(0, 10));
    expect(list.stdout).not.toContain(token);
  });
});

describe('agentpod on bad input', () => {
  it('names an unreachable Docker socket in one line and writes no database', () => {
    const dataDir = join(workDir, 'no-docker');
    const r = run(['server'], {
      AGENTPOD_DATA_DIR: dataDir,
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    expectOneLineFailure(
      r,
      /Docker is unreachable at unix:\/\/\/nonexistent\/docker.sock \(ENOENT\)/,
    );
    expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
  });

  it('names a wrong DATABASE_URL without its password', () => {
    const r = run(['server'], {
      AGENTPOD_DATA_DIR: join(workDir, 'bad-db'),
      DATABASE_URL: 'postgres://agentpod:s3cret@127.0.0.1:1/agentpod',
    });
    expectOneLineFailure(
      r,
      /cannot connect to PostgreSQL at postgres:\/\/agentpod@127.0.0.1:1\/agentpod/,
    );
    expect(r.stderr).not.toContain('s3cret');
  });

  it('names a data folder that cannot be written', () => {
    const r = run(['server'], { AGENTPOD_DATA_DIR: '/dev/null/agentpod' });
    expectOneLineFailure(r, /cannot write to the data folder \/dev\/null\/agentpod \(ENOTDIR\)/);
  });

  it('names an invalid setting', () => {
    expectOneLineFailure(run(['server'], { AGENTPOD_PORT: 'eighty' }), /AGENTPOD_PORT/);
  });
});

describe('agentpod migrate on PostgreSQL', () => {
  it('applies the migrations once and reports the database up to date afterwards', async () => {
    const url = await freshDatabase();
    const first = run(['migrate'], { DATABASE_URL: url });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^applied \d+ migration\(s\) to postgres:\/\//);
    expect(await publicTables(url)).toContain('pods');
    const second = run(['migrate'], { DATABASE_URL: url });
    expect(second.stdout).toMatch(/is up to date/);
  });

  it('reports a failing migration in one line and applies none of it', async () => {
    const url = await freshDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE TABLE pods (id text)');
    await c.end();
    const r = run(['migrate'], { DATABASE_URL: url });
    expectOneLineFailure(
      r,
      /database migration failed .*relation "pods" already exists; no migration was applied/,
    );
    expect(await publicTables(url)).toEqual(['pods']);
  });
});
