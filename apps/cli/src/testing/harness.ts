// For the CLI's integration tests: the real control plane started in the test's process (real
// Docker, PGlite in a temporary folder), and the built `agentpod` binary run against it as a
// user runs it. `pnpm turbo run build` must have run.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, type RunningServer, startServer } from '@agentpod/control-plane';
import { expect } from 'vitest';
import { LABEL_INSTALLATION } from '../../../control-plane/src/runtime/labels.js';
import { removeTestObjects, testHost } from '../../../control-plane/src/runtime/testing.js';

export const BIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/test-env.sh`);
  return value;
}

export interface CliServer {
  server: RunningServer;
  /** The admin token the server announced on its first start. */
  token: string;
  dataDir: string;
  /** The CLI's config.toml for this test: never the one of whoever runs the tests. */
  configPath: string;
  close(): Promise<void>;
}

/** A control plane of the test's own, on `subnetPool` and with `env` over the defaults. */
export async function startCliServer(
  name: string,
  subnetPool: string,
  env: Record<string, string> = {},
): Promise<CliServer> {
  const dataDir = await mkdtemp(join(tmpdir(), `agentpod-cli-${name}-`));
  const announced: string[] = [];
  const server = await startServer(
    loadConfig({
      AGENTPOD_PROXY: 'none',
      AGENTPOD_NETWORK_POLICY: 'off',
      AGENTPOD_DATA_DIR: dataDir,
      AGENTPOD_PORT: '0',
      DOCKER_HOST: required('AGENTPOD_TEST_DOCKER_HOST'),
      AGENTPOD_POD_SUBNET_POOL: subnetPool,
      // Other test files' labelled objects come and go while this runs: never sweep them.
      AGENTPOD_SWEEP_DRY_RUN: 'true',
      AGENTPOD_IMAGE_OPENCLAW: required('AGENTPOD_TEST_IMAGE_OPENCLAW'),
      ...env,
    }),
    createLogger('silent'),
    { announce: (line) => announced.push(line) },
  );
  const token = /shown only this once: (ap_[\w-]+)/.exec(announced.join('\n'))?.[1];
  if (!token) throw new Error(`no admin token was announced: ${announced.join('\n')}`);
  return {
    server,
    token,
    dataDir,
    configPath: join(dataDir, 'cli-config.toml'),
    close: async () => {
      await server.close();
      // Everything the test's installation made (its pods and their shared network), by label.
      await removeTestObjects(testHost(), { [LABEL_INSTALLATION]: server.context.installationId });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Strings no output may ever hold (secrets the test passed in). */
  neverShown?: string[];
  timeoutMs?: number;
}

/** Runs the CLI against `cli`'s server as its admin, unless `env` says otherwise. */
export async function runCli(cli: CliServer, args: string[], opts: RunOptions = {}) {
  const { AGENTPOD_URL: _u, AGENTPOD_TOKEN: _t, AGENTPOD_CONTEXT: _c, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...inherited,
      AGENTPOD_URL: cli.server.url,
      AGENTPOD_TOKEN: cli.token,
      AGENTPOD_CONFIG: cli.configPath,
      ...opts.env,
    },
    timeout: opts.timeoutMs ?? 60_000,
  });
  child.stdin.end(opts.stdin ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  for (const secret of opts.neverShown ?? []) expect(`${stdout}\n${stderr}`).not.toContain(secret);
  return { status, stdout, stderr } satisfies Result;
}

/** The CLI failed the way users should see it: one line, no stack trace. */
export function expectOneLineFailure(r: Result, line: RegExp) {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(line);
}

/** A port nothing listens on: one the system just gave out and took back. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
