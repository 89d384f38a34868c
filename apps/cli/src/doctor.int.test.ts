// `agentpod doctor` as an operator runs it, against a real control plane on a PostgreSQL
// database of its own, routing through a real Caddy: then with Caddy stopped, and with the
// database refusing connections (ALLOW_CONNECTIONS false on the test's own database only).
import { setTimeout as sleep } from 'node:timers/promises';
import type { DoctorReport, Tenant } from '@agentpod/shared';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, testServerUrl } from '../../control-plane/src/db/testing.js';
import { CaddyProcess } from '../../control-plane/src/routing/testing.js';
import { hasLeaveDeadlock } from '../../control-plane/src/runtime/engine-quirks.js';
import { testHost } from '../../control-plane/src/runtime/testing.js';
import {
  type CliServer,
  closedPort,
  expectOneLineFailure,
  required,
  runCli,
  startCliServer,
} from './testing/harness.js';

const RUN_ID = Math.random().toString(36).slice(2, 8);
let cli: CliServer;
let caddy: CaddyProcess;
let database: { url: string; drop: () => Promise<void> };
/** What the Docker check must say of this machine's engine (runtime/engine-quirks.ts). */
let dockerStatus: 'ok' | 'warn';

beforeAll(async () => {
  const { Version = '' } = await testHost().docker.version();
  dockerStatus = hasLeaveDeadlock(Version) ? 'warn' : 'ok';
  database = await createScratchDatabase();
  caddy = new CaddyProcess();
  await caddy.start();
  cli = await startCliServer('doctor', '10.221.0.0/16', {
    DATABASE_URL: database.url,
    AGENTPOD_PROXY: 'caddy',
    AGENTPOD_CADDY_ADMIN_URL: caddy.adminUrl,
    AGENTPOD_PROXY_HTTPS_PORT: String(caddy.httpsPort),
    AGENTPOD_PUBLIC_PORT: String(caddy.httpsPort),
    AGENTPOD_BASE_DOMAIN: 'doctor.agentpod.test',
    // Both agent types' images are here: no check fails for want of the internet.
    AGENTPOD_IMAGE_OPEN_WEBUI: required('AGENTPOD_TEST_IMAGE_OPEN_WEBUI_STANDIN'),
  });
});

afterAll(async () => {
  await setConnections(true).catch(() => {});
  await cli?.close();
  await caddy?.stop();
  await database?.drop();
});

/** Lets the test's own database take connections, or refuses them and ends those it has. */
async function setConnections(allowed: boolean): Promise<void> {
  const name = new URL(database.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS ${allowed}`);
    if (!allowed) {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
    }
  } finally {
    await admin.end();
  }
}

async function doctor() {
  const text = await runCli(cli, ['doctor']);
  const json = await runCli(cli, ['doctor', '--json']);
  const report = JSON.parse(json.stdout) as DoctorReport;
  const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
  return { text, json, report, status };
}

/** The line of one check in the text output, and the fix line under it if there is one. */
function lineOf(stdout: string, title: string): string {
  const lines = stdout.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^[A-Z]+\\s+${title}\\s`).test(l));
  if (i === -1) return '';
  const fix = lines[i + 1]?.startsWith(' ') ? [lines[i + 1]] : [];
  return [lines[i], ...fix].join('\n');
}

describe('agentpod doctor', () => {
  it('checks Docker, the database, the proxy, the images and the clocks, each with its finding', async () => {
    // A routed pod, so the proxy has a host and a certificate to check.
    const tenant = await runCli(cli, ['tenant', 'create', `doctor-${RUN_ID}`, '--json']);
    const created = await runCli(cli, [
      ...['pod', 'create', '--tenant', (JSON.parse(tenant.stdout) as Tenant).id],
      ...['--subdomain', `doc-${RUN_ID}`, '--image', required('AGENTPOD_TEST_IMAGE_STANDIN')],
      '--wait',
    ]);
    expect(created.status, created.stderr).toBe(0);
    // Wait for state: Caddy holds the route and has issued its certificate.
    let found = await doctor();
    for (let i = 0; i < 60 && found.status.certificates !== 'ok'; i++) {
      await sleep(1_000);
      found = await doctor();
    }
    const { text, report, status } = found;
    expect(text.stdout.split('\n')[0]).toMatch(/^STATUS\s+CHECK\s+DETAIL$/);
    expect(status, JSON.stringify(report.checks, null, 1)).toMatchObject({
      docker: dockerStatus,
      database: 'ok',
      proxy: 'ok',
      'image:openclaw': 'ok',
      'image:open-webui': 'ok',
      certificates: 'ok',
      clock: 'ok',
      'clock:cli': 'ok',
      memory: 'ok',
      disk: expect.stringMatching(/^(ok|warn)$/),
    });
    expect(lineOf(text.stdout, 'Docker daemon')).toMatch(
      dockerStatus === 'ok'
        ? /^OK\s+Docker daemon\s+Docker \S+, API 1\.\d+/
        : /^WARN\s+Docker daemon\s+Docker \S+, API 1\.\d+ .*: this engine can deadlock when containers leave a network together .*\n\s+-> upgrade Docker to 20\.10\.27 or 23\.0 or newer$/,
    );
    expect(lineOf(text.stdout, 'Database and migrations')).toMatch(
      /\d+ migrations applied, answered in \d+ ms, none pending$/,
    );
    expect(lineOf(text.stdout, 'Proxy')).toMatch(/^OK\s+Proxy\s+caddy, \d+ routes/);
    // This test's base domain is in no DNS: the check says so, with what to do, and the run fails.
    expect(report.checks.find((c) => c.id === 'dns')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^agentpod-doctor\.doctor\.agentpod\.test does not resolve/),
      fix: 'add a wildcard DNS record *.doctor.agentpod.test (and doctor.agentpod.test) pointing to this host',
    });
    // So the certificate is read from the proxy on this host, as served for the pod's name
    // (Caddy's internal CA: 12-hour certificates).
    expect(report.checks.find((c) => c.id === 'certificates')?.detail).toMatch(
      new RegExp(
        `^doc-${RUN_ID}\\.doctor\\.agentpod\\.test \\(from 127\\.0\\.0\\.1:\\d+\\): valid until \\S+ \\(0 days\\), issued by .+`,
      ),
    );
    expect(text.status).toBe(1);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^1 failed, \d+ to look at, of \d+ checks$/,
    );
  });

  it('fails the proxy check, with what to do, while Caddy is down', async () => {
    await caddy.stop();
    try {
      const { text, status } = await doctor();
      expect(status.proxy).toBe('fail');
      expect(lineOf(text.stdout, 'Proxy')).toMatch(
        /^FAIL\s+Proxy\s+caddy: its admin API does not answer: .+\n\s+-> check that the proxy runs and its admin API answers \(agentpod proxy status\)$/,
      );
      expect(status.docker).toBe(dockerStatus);
      expect(text.status).toBe(1);
    } finally {
      await caddy.start();
    }
  });

  it('fails the database check, and still answers, while the database refuses connections', async () => {
    await setConnections(false);
    try {
      const { text, status } = await doctor();
      expect(status).toMatchObject({ database: 'fail', memory: 'skip', docker: dockerStatus });
      expect(lineOf(text.stdout, 'Database and migrations')).toMatch(
        /^FAIL\s+Database and migrations\s+postgres:\/\/\S+: .*not currently accepting connections.*\n\s+-> start PostgreSQL or correct DATABASE_URL; the control plane reconnects by itself$/,
      );
      expect(text.status).toBe(1);
    } finally {
      await setConnections(true);
    }
    // And once it takes connections again, the check passes again.
    expect((await doctor()).status.database).toBe('ok');
  });

  it('says in one line that it cannot reach the control plane, or that the token is wrong', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    expectOneLineFailure(
      await runCli(cli, ['doctor'], { env: { AGENTPOD_URL: url } }),
      new RegExp(
        `^agentpod: cannot reach the AgentPod API at ${url}: ECONNREFUSED \\(unreachable\\)$`,
      ),
    );
    expectOneLineFailure(
      await runCli(cli, ['doctor'], { env: { AGENTPOD_TOKEN: 'ap_wrong' } }),
      /^agentpod: the bearer token is invalid, revoked or expired \(unauthorized\)$/,
    );
  });
});
