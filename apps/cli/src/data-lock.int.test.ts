// One PGlite folder, one process: the built `agentpod` binary as a user runs it, a real
// `agentpod server` on embedded PGlite and the real Docker daemon. While the server runs, the
// token commands go through its API and everything else that would open the folder is refused.
// `pnpm turbo run build` must have run.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let dataDir: string;

function env(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, AGENTPOD_URL: _u, AGENTPOD_TOKEN: _t, ...rest } = process.env;
  return {
    ...rest,
    AGENTPOD_DATA_DIR: dataDir,
    AGENTPOD_PORT: '0',
    AGENTPOD_LOG_LEVEL: 'info',
    // Other test files' labelled objects come and go while this runs: never sweep them.
    AGENTPOD_SWEEP_DRY_RUN: 'true',
  };
}

/** Runs the CLI to its end. Async: the server it talks to is another child of this process. */
async function run(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: env() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

class Server {
  child: ChildProcess | undefined;
  url = '';

  async start(): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'server'], { env: env() });
    this.child = child;
    let output = '';
    this.url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d;
        const m = /"url":"(http:\/\/[^"]+)","msg":"control plane listening"/.exec(output);
        if (m?.[1]) resolve(m[1]);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }

  async get(path: string, token: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, text: await res.text() };
  }

  async status(path: string, token: string): Promise<number> {
    return (await this.get(path, token)).status;
  }
}

const server = new Server();

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first`);
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-lock-'));
});
afterAll(async () => {
  await server.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('agentpod on a PGlite folder a server is using', () => {
  let token = '';
  let firstLocalToken = '';

  it('creates a token through the running server, which accepts it at once', async () => {
    await server.start();
    const localToken = join(dataDir, 'local-admin.token');
    expect(statSync(localToken).mode & 0o777).toBe(0o600);
    firstLocalToken = readFileSync(localToken, 'utf8').trim();

    const created = await run(['token', 'create', '--name', 'while-running']);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    token = created.stdout.trim();
    expect(token).toMatch(/^ap_[\w-]{43}$/);
    expect(await server.status('/pods', token)).toBe(200);

    const listed = await run(['token', 'list']);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain('while-running');
    expect(listed.stdout).not.toContain(token);
    // The API's list carries neither the value nor the hash the database keeps.
    const { text } = await server.get('/tokens', token);
    expect(JSON.parse(text).items).toHaveLength(2);
    expect(text).not.toContain(token);
    expect(text).not.toContain(createHash('sha256').update(token).digest('hex'));
  });

  it('refuses migrate and a second server on the folder in one line, naming the PID', async () => {
    const line = `agentpod: the control plane at PID ${server.pid} is using ${dataDir}; use the API or stop it\n`;
    for (const args of [['migrate'], ['server']]) {
      const r = await run(args);
      expect(r.stderr, args[0]).toBe(line);
      expect(r.status, args[0]).toBe(1);
    }
    expect(await server.status('/pods', token)).toBe(200);
  });

  it('keeps the token across a restart; the lock and the local admin token go on shutdown', async () => {
    expect(await server.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'agentpod.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'local-admin.token'))).toBe(false);
    // No server: the token commands open the database themselves.
    const offline = await run(['token', 'list']);
    expect(offline.status).toBe(0);
    expect(offline.stdout).toContain('while-running');

    await server.start();
    expect(await server.status('/pods', token)).toBe(200);
    expect((await run(['token', 'list'])).stdout).toContain('while-running');
    // Each start has its own local admin token; the last one's is worthless.
    expect(await server.status('/pods', firstLocalToken)).toBe(401);
  });

  it('starts on the folder of a SIGKILLed server: a dead holder does not block it', async () => {
    await server.stop('SIGKILL');
    expect(existsSync(join(dataDir, 'agentpod.lock'))).toBe(true);
    await server.start();
    expect(await server.status('/pods', token)).toBe(200);
  });

  it('revokes through the running server', async () => {
    const id = /^(tok_\w+) .*while-running/m.exec((await run(['token', 'list'])).stdout)?.[1];
    expect(id).toBeDefined();
    const revoked = await run(['token', 'revoke', id as string]);
    expect(revoked.status).toBe(0);
    expect(await server.status('/pods', token)).toBe(401);
    const unknown = await run(['token', 'revoke', `tok_${'0'.repeat(20)}`]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^agentpod: token tok_0+ does not exist \(token_not_found\)\n$/);
  });
});
