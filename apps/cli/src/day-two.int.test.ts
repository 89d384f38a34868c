// What operators script and run from cron, as they run it: the built `agentpod` binary against
// a real control plane (real Docker, PGlite) with the stand-in agent, whose probes answer in
// milliseconds. `--wait` on a pod that gets healthy and on one whose image does not exist,
// `health` with a pod that never gets healthy, contexts, and secrets that stay off the command line.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PodWithStatus, Tenant } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodVerdict } from './commands/health.js';
import {
  BIN,
  type CliServer,
  closedPort,
  expectOneLineFailure,
  type RunOptions,
  required,
  runCli,
  startCliServer,
} from './testing/harness.js';

const RUN_ID = Math.random().toString(36).slice(2, 8);
/** What the live line writes before each update: ESC [ K, erase to the end of the line. */
const ERASE_LINE = '\\x1b\\[K';
const PROVIDER_KEY = `sk-day-two-${RUN_ID}`;
const STANDIN = required('AGENTPOD_TEST_IMAGE_STANDIN');
/** The stand-in with no probe files: it runs, and every probe gets 404. Made by this test. */
const NEVER_HEALTHY = `agentpod-test/never-healthy:${RUN_ID}`;
/** In the test's open registry, which answers "manifest unknown" for it. */
const MISSING = `${required('AGENTPOD_TEST_REGISTRY')}/agentpod-test/missing-${RUN_ID}:1`;

let cli: CliServer;
let tenantId: string;
let healthyPod: string;

beforeAll(async () => {
  cli = await startCliServer('day-two', '10.219.0.0/16', { AGENTPOD_PROBE_INTERVAL_MS: '1000' });
  const built = spawnSync(
    'docker',
    ['build', '-q', '-t', NEVER_HEALTHY, '--label', 'agentpod.test=day-two', '-'],
    {
      input: `FROM ${STANDIN}\nUSER root\nRUN sed -i 's/^for probe in healthz readyz startupz/for probe in none/' /usr/local/bin/openclaw\nUSER 1000:1000\n`,
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: required('AGENTPOD_TEST_DOCKER_HOST') },
    },
  );
  if (built.status !== 0) throw new Error(`docker build: ${built.stderr}`);
  const tenant = await runCli(cli, ['tenant', 'create', `day-two-${RUN_ID}`, '--json']);
  tenantId = (JSON.parse(tenant.stdout) as Tenant).id;
});

afterAll(async () => {
  await cli?.close();
  spawnSync('docker', ['image', 'rm', '-f', NEVER_HEALTHY], {
    env: { ...process.env, DOCKER_HOST: required('AGENTPOD_TEST_DOCKER_HOST') },
  });
});

function run(args: string[], opts: RunOptions = {}) {
  return runCli(cli, args, { timeoutMs: 120_000, ...opts, neverShown: [PROVIDER_KEY] });
}

function createArgs(subdomain: string, image: string, ...more: string[]): string[] {
  return [
    'pod',
    'create',
    '--tenant',
    tenantId,
    '--subdomain',
    subdomain,
    '--image',
    image,
    ...more,
  ];
}

describe('pod create --wait', () => {
  it('follows a pod to healthy, in plain lines when piped, and exits 0', async () => {
    const keyFile = join(cli.dataDir, 'provider-key.txt');
    writeFileSync(keyFile, `${PROVIDER_KEY}\n`, { mode: 0o600 });
    const r = await run(
      createArgs(`ok-${RUN_ID}`, STANDIN, '--secret', `providerApiKey=@${keyFile}`, '--wait'),
    );
    expect(r.status, r.stderr).toBe(0);
    healthyPod = /^created pod (pod_[0-9a-z]{20}) /.exec(r.stdout)?.[1] ?? '';
    expect(healthyPod, r.stdout).not.toBe('');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^pod ${healthyPod} is healthy \\(\\d+\\.\\d s\\)$`),
    );
    // Not a terminal: a line per step, no carriage returns, the last one healthy.
    expect(r.stderr).not.toContain('\r');
    const steps = r.stderr.trimEnd().split('\n');
    expect(steps.every((l) => l.startsWith(`${healthyPod}: `))).toBe(true);
    expect(steps.at(-1)).toBe(`${healthyPod}: healthy`);
    const pod = JSON.parse((await run(['pod', 'get', healthyPod, '--json'])).stdout);
    expect(pod).toMatchObject({ secretRefs: expect.arrayContaining(['providerApiKey']) });
    expect((pod as PodWithStatus).status).toMatchObject({ phase: 'running', health: 'healthy' });
  });

  it('waits for a restart to be done, not for the health from before it', async () => {
    const r = await run(['pod', 'restart', healthyPod, '--wait']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/ is healthy \(/);
    const events = JSON.parse((await run(['pod', 'events', healthyPod, '--json'])).stdout) as {
      reason: string;
    }[];
    expect(events.map((e) => e.reason)).toContain('Restarted');
  });

  it('fails in one line with the registry words when the image does not exist', async () => {
    const r = await run(
      createArgs(`missing-${RUN_ID}`, MISSING, '--secret', 'providerApiKey=-', '--wait'),
      { stdin: `${PROVIDER_KEY}\n` },
    );
    expect(r.status).toBe(1);
    const id = /^created pod (pod_[0-9a-z]{20}) /.exec(r.stdout)?.[1] ?? '';
    expect(id, r.stdout).not.toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^agentpod: pod ${id}: image pull failed: .*(not found|manifest unknown)`, 'i'),
    );
    expect(
      lines.some((l) => l.startsWith(`${id}: pulling ${MISSING}`)),
      r.stderr,
    ).toBe(true);
  });

  it('gives up at --timeout with where the pod was and its last event', async () => {
    const r = await run(
      createArgs(`slow-${RUN_ID}`, MISSING, '--stopped', '--secret', 'providerApiKey=-'),
      { stdin: PROVIDER_KEY },
    );
    const id = /^created pod (pod_[0-9a-z]{20}) /.exec(r.stdout)?.[1] ?? '';
    const started = await run(['pod', 'start', id, '--wait', '--timeout', '2s']);
    expect(started.status).toBe(1);
    expect(started.stderr.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^agentpod: pod ${id} is not ready after 2 s: `),
    );
  });
});

describe('agentpod health', () => {
  it('exits 1 with a FAIL line for a pod that never gets healthy, and OK for the healthy one', async () => {
    const created = await run(
      [...createArgs(`sick-${RUN_ID}`, NEVER_HEALTHY, '--secret', 'providerApiKey=-'), '--json'],
      { stdin: PROVIDER_KEY },
    );
    const sick = (JSON.parse(created.stdout) as PodWithStatus).id;
    // Wait for state: the agent runs (its probes fail from the start).
    for (;;) {
      const pod = JSON.parse((await run(['pod', 'get', sick, '--json'])).stdout) as PodWithStatus;
      if (pod.status.phase === 'running') break;
      await sleep(200);
    }
    const r = await run(['health', '--tenant', tenantId]);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+ID\s+SUBDOMAIN\s+DESIRED\s+PHASE\s+HEALTH\s+PROBLEM$/);
    expect(lines.find((l) => l.includes(healthyPod))).toMatch(
      /^OK\s+pod_\w+\s+ok-\w+\s+running\s+running\s+healthy$/,
    );
    expect(lines.find((l) => l.includes(sick))).toMatch(/^FAIL\s+pod_\w+\s+sick-\w+\s+running\s+/);
    expect(lines.at(-1)).toMatch(/^\d+ of \d+ pods need a look$/);

    const json = await run(['health', '--tenant', tenantId, '--json']);
    expect(json.status).toBe(1);
    const verdicts = JSON.parse(json.stdout) as PodVerdict[];
    expect(verdicts.find((v) => v.id === healthyPod)).toMatchObject({ ok: true, problem: null });
    expect(verdicts.find((v) => v.id === sick)?.ok).toBe(false);
  });

  it('exits 0 when every pod it looks at is where it should be', async () => {
    const tenant = JSON.parse(
      (await run(['tenant', 'create', `day-two-empty-${RUN_ID}`, '--json'])).stdout,
    ) as Tenant;
    const r = await run(['health', '--tenant', tenant.id]);
    expect(r).toMatchObject({ status: 0, stdout: 'no pods\n' });
  });
});

describe('agentpod context', () => {
  it('keeps servers and tokens in a file only its owner reads, and uses the current one', async () => {
    const noEnv = { AGENTPOD_URL: undefined, AGENTPOD_TOKEN: undefined };
    const added = await run(
      ['context', 'add', 'local', '--server', cli.server.url, '--token-from', '-'],
      { env: noEnv, stdin: `${cli.token}\n` },
    );
    expect(added).toMatchObject({ status: 0, stdout: `added context local (${cli.server.url})\n` });
    expect(statSync(cli.configPath).mode & 0o777).toBe(0o600);
    const elsewhereUrl = `http://127.0.0.1:${await closedPort()}`;
    await run(['context', 'add', 'elsewhere', '--server', elsewhereUrl, '--token-from', '-'], {
      env: noEnv,
      stdin: 'ap_elsewhere',
    });

    const list = await run(['context', 'list'], { env: noEnv });
    expect(list.stdout).toMatch(
      /^CURRENT\s+NAME\s+URL\n\*\s+local\s+http:\/\/127\.0\.0\.1:\d+\n\s+elsewhere\s+http:\/\/127\.0\.0\.1:\d+\n$/,
    );
    expect(list.stdout).not.toContain(cli.token);

    // The current context answers without any flag or variable...
    const pods = await run(['pod', 'list', '--tenant', tenantId, '--json'], { env: noEnv });
    expect(pods.status, pods.stderr).toBe(0);
    // ...another is chosen by --context, and a flag still wins over the context.
    const elsewhere = await run(['pod', 'list', '--context', 'elsewhere'], { env: noEnv });
    expectOneLineFailure(
      elsewhere,
      new RegExp(
        `^agentpod: cannot reach the AgentPod API at ${elsewhereUrl}: ECONNREFUSED \\(unreachable\\)$`,
      ),
    );
    const overridden = await run(
      ['pod', 'list', '--context', 'elsewhere', '--url', cli.server.url, '--token', cli.token],
      { env: noEnv },
    );
    expect(overridden.status, overridden.stderr).toBe(0);

    expect((await run(['context', 'use', 'elsewhere'], { env: noEnv })).stdout).toBe(
      'now using context elsewhere\n',
    );
    expectOneLineFailure(
      await run(['context', 'use', 'nowhere'], { env: noEnv }),
      /^agentpod: no context "nowhere" in .*config\.toml \(there are: local, elsewhere\)/,
    );
    expect(readFileSync(cli.configPath, 'utf8')).toMatch(/^current = "elsewhere"$/m);
  });

  it('refuses a config file others may read, and a token given on the command line', async () => {
    const noEnv = { AGENTPOD_URL: undefined, AGENTPOD_TOKEN: undefined };
    expectOneLineFailure(
      await run(['context', 'add', 'x', '--server', cli.server.url, '--token-from', cli.token], {
        env: noEnv,
      }),
      /^agentpod: --token-from takes @file or - \(stdin\), never the token itself$/,
    );
    chmodSync(cli.configPath, 0o644);
    expectOneLineFailure(
      await run(['pod', 'list'], { env: noEnv }),
      /^agentpod: .*config\.toml holds tokens but others may read it \(mode 644\): run chmod 600 /,
    );
  });
});

describe('on a terminal', () => {
  it('asks for a secret without echoing it, and shows --wait as one live line', async () => {
    // `script` gives the CLI a pseudo-terminal; its output is what the terminal shows.
    const command = [
      process.execPath,
      BIN,
      ...createArgs(`tty-${RUN_ID}`, STANDIN, '--secret', 'providerApiKey', '--wait'),
    ]
      .map((arg) => `'${arg}'`)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: {
        ...process.env,
        AGENTPOD_URL: cli.server.url,
        AGENTPOD_TOKEN: cli.token,
        AGENTPOD_CONFIG: cli.configPath,
      },
    });
    let shown = '';
    child.stdout.on('data', (d) => {
      shown += d;
    });
    const exited = once(child, 'exit');
    // Wait for state: the key is typed once the prompt is up (echo is off by then).
    while (!shown.includes('providerApiKey: ')) {
      if (child.exitCode !== null) throw new Error(`exited before asking: ${shown}`);
      await sleep(50);
    }
    child.stdin.write(`${PROVIDER_KEY}\r`);
    const [code] = await exited;
    child.stdin.end();
    expect(code, shown).toBe(0);
    expect(shown).not.toContain(PROVIDER_KEY);
    // The progress rewrote one line (carriage return, erase line) and ended healthy.
    expect(shown).toMatch(new RegExp(`\r${ERASE_LINE}pod_\\w+: healthy`));
    const id = /created pod (pod_[0-9a-z]{20}) /.exec(shown)?.[1] ?? '';
    const pod = JSON.parse((await run(['pod', 'get', id, '--json'])).stdout) as PodWithStatus;
    expect(pod.secretRefs).toContain('providerApiKey');
  });
});

describe('--secret without the value on the command line', () => {
  it('says how to give a value when there is no terminal to ask on, and creates nothing', async () => {
    expectOneLineFailure(
      await run(createArgs(`nosecret-${RUN_ID}`, STANDIN, '--secret', 'providerApiKey')),
      /^agentpod: --secret without a value, and no terminal to ask on: use name=@file or name=- \(stdin\)/,
    );
    const listed = JSON.parse(
      (await run(['pod', 'list', '--tenant', tenantId, '--json'])).stdout,
    ) as PodWithStatus[];
    expect(listed.map((p) => p.subdomain)).not.toContain(`nosecret-${RUN_ID}`);
  });
});
