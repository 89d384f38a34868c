// `agentpod pod logs -f` across a restart of the control plane: the built CLI follows a
// stand-in pod's log while `agentpod server` (a real process, on PGlite) is stopped and started
// again on the same port; lines logged meanwhile arrive once, none twice.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PodWithStatus, Tenant } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneProcess } from '../../control-plane/src/e2e/testing.js';
import { freePort } from '../../control-plane/src/routing/testing.js';
import { LABEL_INSTALLATION } from '../../control-plane/src/runtime/labels.js';
import { removeTestObjects, testHost } from '../../control-plane/src/runtime/testing.js';
import { BIN, required } from './testing/harness.js';

const RUN_ID = Math.random().toString(36).slice(2, 8);
let cp: ControlPlaneProcess;
let dataDir: string;
let installation: string | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'agentpod-cli-logs-'));
  cp = new ControlPlaneProcess({
    AGENTPOD_PORT: String(await freePort('127.0.0.1')),
    AGENTPOD_DATA_DIR: dataDir,
    AGENTPOD_PROXY: 'none',
    DOCKER_HOST: required('AGENTPOD_TEST_DOCKER_HOST'),
    AGENTPOD_POD_SUBNET_POOL: '10.222.0.0/16',
    AGENTPOD_SWEEP_DRY_RUN: 'true',
    AGENTPOD_IMAGE_OPENCLAW: required('AGENTPOD_TEST_IMAGE_OPENCLAW'),
  });
  await cp.start();
  installation = /"installation":"([a-z0-9]+)"/.exec(cp.output)?.[1];
});

afterAll(async () => {
  await cp?.stop();
  if (installation) await removeTestObjects(testHost(), { [LABEL_INSTALLATION]: installation });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function env() {
  return {
    ...process.env,
    AGENTPOD_URL: cp.url,
    AGENTPOD_TOKEN: cp.token,
    AGENTPOD_CONFIG: join(dataDir, 'cli.toml'),
  };
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: env(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`agentpod ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Writes a line to the agent's own stdout, as the agent would log it. */
function agentSays(containerId: string, text: string): void {
  const r = spawnSync('docker', ['exec', containerId, 'sh', '-c', `echo ${text} > /proc/1/fd/1`], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: required('AGENTPOD_TEST_DOCKER_HOST') },
  });
  if (r.status !== 0) throw new Error(`docker exec: ${r.stderr}`);
}

async function until(what: string, done: () => boolean, follower: ChildProcess, log: () => string) {
  while (!done()) {
    if (follower.exitCode !== null)
      throw new Error(`the follower exited while waiting for ${what}: ${log()}`);
    await sleep(100);
  }
}

describe('agentpod pod logs -f', () => {
  it('goes on across a control-plane restart, losing no line and printing none twice', async () => {
    const tenant = JSON.parse(cli(['tenant', 'create', `logs-${RUN_ID}`, '--json'])) as Tenant;
    const created = cli([
      'pod',
      'create',
      '--tenant',
      tenant.id,
      '--subdomain',
      `logs-${RUN_ID}`,
      '--image',
      required('AGENTPOD_TEST_IMAGE_STANDIN'),
      '--wait',
      '--json',
    ]);
    const podId = (JSON.parse(created) as PodWithStatus).id;
    const pod = JSON.parse(cli(['pod', 'get', podId, '--json'])) as PodWithStatus;
    const container = pod.status.containerId ?? '';

    const follower = spawn(process.execPath, [BIN, 'pod', 'logs', podId, '-f', '--tail', '0'], {
      env: env(),
    });
    let out = '';
    let err = '';
    follower.stdout.on('data', (d) => {
      out += d;
    });
    follower.stderr.on('data', (d) => {
      err += d;
    });
    const log = () => `stdout: ${out}\nstderr: ${err}`;
    try {
      // Wait for state: the stream is open once a line written after it opened arrives.
      for (let n = 0; !/^before-\d+$/m.test(out); n++) {
        if (follower.exitCode !== null) throw new Error(`the follower exited: ${log()}`);
        agentSays(container, `before-${n}`);
        await sleep(300);
      }
      await cp.stop();
      agentSays(container, `while-down-${RUN_ID}`);
      await until('the notice', () => err.includes('reconnecting'), follower, log);
      await cp.start();
      agentSays(container, `after-${RUN_ID}`);
      await until(
        'the lines after the restart',
        () => out.includes(`after-${RUN_ID}`),
        follower,
        log,
      );

      const lines = out.trimEnd().split('\n');
      expect(lines.filter((l) => l === `while-down-${RUN_ID}`)).toHaveLength(1);
      expect(lines.filter((l) => l === `after-${RUN_ID}`)).toHaveLength(1);
      expect(new Set(lines).size).toBe(lines.length);
      expect(lines.indexOf(`while-down-${RUN_ID}`)).toBeLessThan(lines.indexOf(`after-${RUN_ID}`));
      expect(err).toMatch(
        /^agentpod: log stream interrupted \(.+\); reconnecting\nagentpod: reconnected\n$/,
      );
    } finally {
      follower.kill('SIGINT');
      await once(follower, 'exit');
    }
    expect(follower.exitCode).toBe(0);
  });
});
