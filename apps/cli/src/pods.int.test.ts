// The tenant and pod commands as a user runs them: the built `agentpod` binary against the
// real control plane, started in this process on PGlite and the real Docker daemon. Pods are
// created stopped, so no agent boots (start is asked for once and stopped at once).
// `pnpm turbo run build` must have run.
import type { PodEvent, PodWithStatus, Tenant } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliServer,
  closedPort,
  expectOneLineFailure,
  type RunOptions,
  runCli,
  startCliServer,
} from './testing/harness.js';

const PROVIDER_KEY = 'sk-test-123';
const RUN_ID = Math.random().toString(36).slice(2, 8);
const UNKNOWN_POD = `pod_${'0'.repeat(20)}`;

let cli: CliServer;

beforeAll(async () => {
  cli = await startCliServer('pods', '10.218.0.0/16');
});

afterAll(async () => {
  await cli?.close();
});

/** Runs the CLI as the admin unless `env` says otherwise; no output may hold the provider key. */
function run(args: string[], env: RunOptions['env'] = {}, stdin?: string) {
  return runCli(cli, args, {
    env,
    ...(stdin !== undefined && { stdin }),
    neverShown: [PROVIDER_KEY],
  });
}

/** Runs a command that must succeed and returns what it printed. */
async function ok(args: string[]): Promise<string> {
  const r = await run(args);
  expect(r.status, `agentpod ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function okJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '--json'])) as T;
}

describe('agentpod tenant and pod commands', () => {
  const tenantName = `cli-${RUN_ID}`;
  const subdomain = `cli-${RUN_ID}`;
  let tenantId: string;
  let podId: string;

  it('creates and lists tenants, and deletes an empty one', async () => {
    const created = await ok(['tenant', 'create', tenantName, '--display-name', 'CLI test']);
    tenantId = /^created tenant (ten_[0-9a-z]{20}) \(cli-\w+\)\n$/.exec(created)?.[1] ?? '';
    expect(tenantId, created).not.toBe('');

    const spare = await okJson<Tenant>(['tenant', 'create', `${tenantName}-spare`]);
    const table = (await ok(['tenant', 'list'])).split('\n');
    expect(table[0]).toMatch(/^ID\s+NAME\s+DISPLAY NAME\s+CREATED$/);
    expect(table.find((l) => l.startsWith(tenantId))).toMatch(/\scli-\w+\s+CLI test\s/);

    expect(await ok(['tenant', 'delete', spare.id])).toBe(`deleted tenant ${spare.id}\n`);
    const ids = (await okJson<Tenant[]>(['tenant', 'list'])).map((t) => t.id);
    expect(ids).toContain(tenantId);
    expect(ids).not.toContain(spare.id);
  });

  it('creates a stopped pod with a secret and shows only the secret name', async () => {
    const pod = await okJson<PodWithStatus>([
      'pod',
      'create',
      '--tenant',
      tenantId,
      '--subdomain',
      subdomain,
      '--stopped',
      '--secret',
      `providerApiKey=${PROVIDER_KEY}`,
    ]);
    podId = pod.id;
    expect(pod).toMatchObject({ tenantId, subdomain, agentType: 'openclaw', generation: 1 });
    expect(pod.desiredState).toBe('stopped');
    expect(pod.secretRefs).toContain('providerApiKey');

    const details = await ok(['pod', 'get', podId]);
    expect(details).toMatch(new RegExp(`^id\\s+${podId}$`, 'm'));
    expect(details).toMatch(/^secrets\s+.*\bproviderApiKey\b/m);
    const fetched = await okJson<PodWithStatus>(['pod', 'get', podId]);
    expect(fetched.secretRefs).toContain('providerApiKey');
  });

  it("prints an Open WebUI pod's first admin password once, on create only", async () => {
    // A tenant of its own, so the other tests' listings stay as they are.
    const tenant = await okJson<Tenant>(['tenant', 'create', `${tenantName}-webui`]);
    const out = await ok([
      'pod',
      'create',
      '--tenant',
      tenant.id,
      '--subdomain',
      `${subdomain}-webui`,
      '--type',
      'open-webui',
      '--stopped',
    ]);
    const [summary, secret, note] = out.trimEnd().split('\n');
    const id = /^created pod (pod_[0-9a-z]{20}) /.exec(summary ?? '')?.[1] ?? '';
    const password = /^adminPassword: ([\w-]{43})$/.exec(secret ?? '')?.[1] ?? '';
    expect(password, out).not.toBe('');
    expect(note).toBe('This is shown only this once: store it now.');
    expect(await ok(['pod', 'get', id])).not.toContain(password);
    expect(JSON.stringify(await okJson(['pod', 'get', id]))).not.toContain(password);
  });

  it('lists pods, by tenant too', async () => {
    const table = (await ok(['pod', 'list'])).split('\n');
    expect(table[0]).toMatch(/^ID\s+TENANT\s+SUBDOMAIN\s+TYPE\s+DESIRED\s+PHASE/);
    expect(table.find((l) => l.startsWith(podId))).toMatch(
      new RegExp(`^${podId}\\s+${tenantId}\\s+${subdomain}\\s+openclaw\\s+stopped\\s`),
    );
    const mine = await okJson<PodWithStatus[]>(['pod', 'list', '--tenant', tenantId]);
    expect(mine.map((p) => p.id)).toEqual([podId]);
  });

  it('sets a nested config value as a new generation', async () => {
    expect(await ok(['pod', 'set', podId, '--config', 'extraEnv.FOO=bar'])).toMatch(
      new RegExp(`^updated pod ${podId} .*generation 2\\n$`),
    );
    const pod = await okJson<PodWithStatus>(['pod', 'get', podId]);
    expect(pod.generation).toBe(2);
    expect(pod.config.extraEnv).toEqual({ FOO: 'bar' });
    expect(pod.secretRefs).toContain('providerApiKey');
  });

  it('prints an https access link and records it as an event', async () => {
    const r = await run(['pod', 'link', podId]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^https://${subdomain}\\.\\S+\\n$`));

    const table = await ok(['pod', 'events', podId]);
    expect(table.split('\n')[0]).toMatch(/^TIME\s+TYPE\s+REASON\s+MESSAGE$/);
    expect(table).toMatch(/\sAccessLinkIssued\s+an access link was issued/);
    const events = await okJson<PodEvent[]>(['pod', 'events', podId]);
    expect(events.map((e) => e.reason)).toContain('AccessLinkIssued');
  });

  it('starts and stops the pod: the desired state goes there and back', async () => {
    const started = await okJson<PodWithStatus>(['pod', 'start', podId]);
    expect(started.desiredState).toBe('running');
    expect(await ok(['pod', 'stop', podId])).toMatch(
      new RegExp(`^asked to stop pod ${podId} \\(${subdomain}\\): desired stopped,`),
    );
    expect((await okJson<PodWithStatus>(['pod', 'get', podId])).desiredState).toBe('stopped');
  });

  it('refuses to delete a tenant that has pods, in one line', async () => {
    expectOneLineFailure(
      await run(['tenant', 'delete', tenantId]),
      new RegExp(
        `^agentpod: tenant ${tenantId} still has pods; delete them first \\(tenant_has_pods\\)$`,
      ),
    );
  });

  it('deletes the pod: it leaves the list and shows as deleted', async () => {
    expect(await ok(['pod', 'delete', podId, '--purge'])).toBe(
      `deleting pod ${podId} (${subdomain}); its state volume goes too\n`,
    );
    const listed = await okJson<PodWithStatus[]>(['pod', 'list', '--tenant', tenantId]);
    expect(listed).toEqual([]);
    expect((await okJson<PodWithStatus>(['pod', 'get', podId])).deletedAt).not.toBeNull();
  });
});

describe('agentpod API commands on failure', () => {
  it('names an unknown pod with its code', async () => {
    expectOneLineFailure(
      await run(['pod', 'get', UNKNOWN_POD]),
      new RegExp(`^agentpod: pod ${UNKNOWN_POD} does not exist \\(pod_not_found\\)$`),
    );
  });

  it('says how to get a token when there is none', async () => {
    expectOneLineFailure(
      await run(['pod', 'list'], { AGENTPOD_TOKEN: undefined }),
      /^agentpod: no API token: add a context \(`agentpod context add`\), set AGENTPOD_TOKEN or pass --token \(create one with `agentpod token create`\)$/,
    );
  });

  it('refuses a wrong token', async () => {
    expectOneLineFailure(
      await run(['tenant', 'list', '--token', 'ap_not-a-token']),
      /^agentpod: the bearer token is invalid, revoked or expired \(unauthorized\)$/,
    );
  });

  it('names the URL it cannot reach', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    expectOneLineFailure(
      await run(['pod', 'list'], { AGENTPOD_URL: url }),
      new RegExp(
        `^agentpod: cannot reach the AgentPod API at ${url}: ECONNREFUSED \\(unreachable\\)$`,
      ),
    );
  });
});

describe('agentpod registry and proxy commands', () => {
  const password = `registry-secret-${RUN_ID}`;

  it('stores registry credentials from standard input only, and never prints the password', async () => {
    const refused = await run(['registry', 'login', 'ghcr.io', '--username', 'me']);
    expectOneLineFailure(refused, /--password-stdin/);
    const stored = await run(
      ['registry', 'login', 'registry.example.com:5000', '--username', 'me', '--password-stdin'],
      {},
      `${password}\n`,
    );
    expect(stored.status, stored.stderr).toBe(0);
    expect(stored.stdout).toBe('stored credentials for registry.example.com:5000 (user me)\n');
    const list = await ok(['registry', 'list']);
    expect(list).toMatch(/^REGISTRY\s+USERNAME\s+UPDATED\nregistry\.example\.com:5000\s+me\s+/);
    const json = await okJson<{ registry: string }[]>(['registry', 'list']);
    expect(json.map((r) => r.registry)).toEqual(['registry.example.com:5000']);
    expect(`${list}${JSON.stringify(json)}`).not.toContain(password);
    expect(await ok(['registry', 'logout', 'registry.example.com:5000'])).toMatch(/removed/);
    expectOneLineFailure(
      await run(['registry', 'logout', 'registry.example.com:5000']),
      /registry.example.com:5000 does not exist \(registry_credential_not_found\)/,
    );
    expectOneLineFailure(
      await run(
        ['registry', 'login', 'https://bad/host', '--username', 'me', '--password-stdin'],
        {},
        'x',
      ),
      /not a registry host/,
    );
  });

  it('reports the proxy, and exits 1 when asked for a CA that does not exist', async () => {
    expect(await ok(['proxy', 'status'])).toBe('none: ok\n');
    expectOneLineFailure(await run(['proxy', 'ca']), /only a Caddy proxy has an internal CA/);
  });
});
