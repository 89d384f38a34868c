// The adapter's plan run as-is on the real OpenClaw gateway: the config it writes must be one
// the gateway accepts, and its probes and pairing commands must work against the real thing.
import { randomBytes } from 'node:crypto';
import type { ContainerPlan } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerLogs,
  createContainer,
  ensureVolume,
  execInContainer,
  inspectContainer,
  LABEL_MANAGED,
  startContainer,
  writeFiles,
} from '../runtime/index.js';
import {
  eventually,
  removeTestObjects,
  TEST_LABEL,
  testHost,
  testImage,
  testName,
} from '../runtime/testing.js';
import { openclaw } from './openclaw.js';

const host = testHost();
const LABELS = { [LABEL_MANAGED]: 'true', [TEST_LABEL]: 'adapters' };
const ONLY_OURS = { [TEST_LABEL]: 'adapters' };
const PROXY = ['10.213.0.1/32'];
const ORIGIN = 'https://alice.agents.example.com';

let plan: ContainerPlan;
let containerId: string;

/** Runs `cmd` in the pod as its own user, the way the control plane will. */
const exec = (cmd: string[]) => execInContainer(host, containerId, cmd, { timeoutMs: 30_000 });

/** Status and body of a GET from inside the pod (node is in every OpenClaw image). */
async function get(url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))`;
  const result = await exec(['node', '-e', script]);
  if (result.exitCode !== 0) throw new Error(`GET ${url} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  await removeTestObjects(host, ONLY_OURS);
  plan = openclaw.render(
    {
      id: 'pod_0123456789abcdefghij',
      tenantId: 'ten_0123456789abcdefghij',
      subdomain: 'alice',
      image: null,
      config: {},
    },
    {
      defaultImage: testImage('OPENCLAW'),
      publicOrigin: ORIGIN,
      proxyAddresses: PROXY,
      // No providerApiKey: a tenant may add one later, and the gateway must serve without it.
      secrets: { gatewayToken: randomBytes(16).toString('hex') },
    },
  );
  const volume = testName('openclaw-state');
  await ensureVolume(host, { name: volume, labels: LABELS });
  containerId = await createContainer(host, {
    name: testName('openclaw'),
    image: plan.image,
    ...(plan.command.length > 0 ? { cmd: plan.command } : {}),
    env: plan.env,
    user: plan.user,
    ...(plan.workingDir ? { workingDir: plan.workingDir } : {}),
    labels: { ...plan.labels, ...LABELS },
    mounts: [{ volume, target: plan.stateMountPath }],
    memoryBytes: openclaw.defaultResources.memoryMb * 1024 * 1024,
    pidsLimit: openclaw.defaultResources.pidsLimit,
  });
  // Before the first start, so the gateway boots with our config rather than its own defaults.
  const [uid, gid] = plan.user.split(':').map(Number);
  await writeFiles(
    host,
    containerId,
    plan.stateMountPath,
    plan.files.map((f) => ({ ...f, uid, gid })),
  );
  await startContainer(host, containerId);
  // busybox wget: no -T/-S (they segfault); it exits non-zero while the port is closed.
  await eventually(
    'the gateway to answer /healthz',
    async () => {
      const r = await exec(['wget', '-qO-', `http://127.0.0.1:${plan.port}/healthz`]);
      return r.exitCode === 0 ? r.stdout : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 2_000 },
  );
});

afterAll(() => removeTestObjects(host, ONLY_OURS));

describe('OpenClaw adapter on the real gateway', () => {
  it('starts with the rendered config and reports no config error', async () => {
    const validate = await exec(['openclaw', 'config', 'validate', '--json']);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true });
    const logs = (await containerLogs(host, containerId)).map((l) => l.text).join('\n');
    expect(logs).not.toMatch(/Invalid config|failed to start/i);
    expect(logs).toContain('http server listening');
  });

  it('reads back our proxy, origin and model settings', async () => {
    const value = async (path: string) =>
      JSON.parse((await exec(['openclaw', 'config', 'get', path, '--json'])).stdout);
    expect(await value('gateway.trustedProxies')).toEqual(PROXY);
    expect(await value('gateway.controlUi.allowedOrigins')).toEqual([ORIGIN]);
    expect(await value('agents.defaults.model.primary')).toBe('anthropic/claude-opus-5');
    // Secrets stay out of the file: the token must not have been written back into it.
    const file = await exec(['cat', `${plan.stateMountPath}/openclaw.json`]);
    expect(file.stdout).not.toContain(plan.env.OPENCLAW_GATEWAY_TOKEN ?? '');
    const mode = await exec(['stat', '-c', '%a %u', `${plan.stateMountPath}/openclaw.json`]);
    expect(mode.stdout.trim()).toBe(`600 ${plan.user.split(':')[0]}`);
  });

  it('answers the declared probes with their status and the probe contract', async () => {
    const { liveness, readiness } = openclaw.probes;
    const live = await get(`http://127.0.0.1:${plan.port}${liveness.path}`);
    expect(live.status).toBe(liveness.expectStatus);
    // The Control UI answers unknown paths with 200 HTML, so check the body is the probe's.
    expect(JSON.parse(live.body)).toMatchObject({ ok: true, status: 'live' });
    const ready = await get(`http://127.0.0.1:${plan.port}${readiness.path}`);
    expect(ready.status).toBe(readiness.expectStatus);
    expect(JSON.parse(ready.body)).toMatchObject({ ok: true, status: 'started' });
  });

  it('listens on the pod network, not only on loopback', async () => {
    const [address] = Object.values((await inspectContainer(host, containerId)).networks);
    expect(address).toBeTruthy();
    const r = await exec(['wget', '-qO-', `http://${address}:${plan.port}/healthz`]);
    expect(r.exitCode).toBe(0);
  });

  it('lists devices with the pairing command and parses the answer', async () => {
    const pairing = openclaw.devicePairing;
    if (!pairing) throw new Error('openclaw declares device pairing');
    const r = await exec(pairing.listCommand());
    expect(r.exitCode, r.stderr).toBe(0);
    expect(pairing.parseList(r.stdout)).toEqual({ pending: [], paired: [] });
  });

  it('fails to approve or reject a request that does not exist', async () => {
    const pairing = openclaw.devicePairing;
    if (!pairing) throw new Error('openclaw declares device pairing');
    const bogus = '00000000-0000-4000-8000-000000000000';
    const approve = await exec(pairing.approveCommand(bogus));
    expect(approve.exitCode).not.toBe(0);
    // The gateway's own refusal, not e.g. a missing command.
    const refusal = /No pending device request matches|unknown requestId/;
    expect(approve.stdout + approve.stderr).toMatch(refusal);
    const reject = await exec(pairing.rejectCommand(bogus));
    expect(reject.exitCode).not.toBe(0);
    expect(reject.stdout + reject.stderr).toMatch(refusal);
  });
});
