// P1 at one pod, repeated: from `POST /pods` to the pod running, and to healthy, beside the raw
// Docker sequence with the same flags (network create + volume create + run, AgentPod's
// layout) and the moment the stand-in itself first answers /healthz. Medians of K trials, taken
// alternately so that a slow moment of the machine falls on both sides.
import {
  ControlPlane,
  createBridge,
  dockerWithDeadline,
  ratio,
  removeInstallation,
  removeLabelled,
  scratchDatabase,
  standinRunArgs,
  testEnv,
  until,
} from './lib.mjs';

const LABEL = 'agentpod.bench=provision';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Polls `GET url` until it answers 200; resolves with the time it did. */
async function firstAnswer(url) {
  return until(
    `${url} to answer`,
    async () => {
      const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) })
        .then((r) => r.ok)
        .catch(() => false);
      return ok ? Date.now() : undefined;
    },
    { intervalMs: 10, timeoutMs: 60_000 },
  );
}

async function raw(image, i) {
  const name = `apbench-prov-${i}`;
  const started = Date.now();
  await createBridge(name, `10.235.${i}.0/28`, LABEL);
  await dockerWithDeadline('volume', 'create', '--label', LABEL, name);
  await dockerWithDeadline(...standinRunArgs(image, name, name, LABEL));
  const runningMs = Date.now() - started;
  const { stdout } = await dockerWithDeadline(
    'inspect',
    '-f',
    `{{(index .NetworkSettings.Networks "${name}").IPAddress}}`,
    name,
  );
  const healthyMs = (await firstAnswer(`http://${stdout.trim()}:18789/healthz`)) - started;
  await dockerWithDeadline('rm', '-f', '-v', name);
  await dockerWithDeadline('network', 'rm', name);
  await dockerWithDeadline('volume', 'rm', name);
  return { runningMs, healthyMs };
}

async function agentpod(cp, tenantId, i) {
  const started = Date.now();
  const pod = await cp.api('POST', '/pods', { tenantId, subdomain: `prov-${i}` });
  const runningPod = await until(
    'the pod running',
    async () => {
      const p = await cp.api('GET', `/pods/${pod.id}`);
      return p.status.phase === 'running' ? p : undefined;
    },
    { intervalMs: 10, timeoutMs: 60_000 },
  );
  const runningMs = Date.now() - started;
  // The agent's own first answer, seen from here, and AgentPod's verdict.
  const answered = firstAnswer(`http://${runningPod.status.ipAddress}:18789/healthz`);
  await until(
    'the pod healthy',
    async () =>
      (await cp.api('GET', `/pods/${pod.id}`)).status.health === 'healthy' ? true : undefined,
    { intervalMs: 10, timeoutMs: 60_000 },
  );
  const healthyMs = Date.now() - started;
  const answeredMs = (await answered) - started;
  await cp.api('DELETE', `/pods/${pod.id}?purge=true`);
  await until(
    'the pod deleted',
    async () =>
      (await cp.api('GET', `/pods/${pod.id}`)).status.phase === 'deleted' ? true : undefined,
    { intervalMs: 50, timeoutMs: 60_000 },
  );
  return { runningMs, healthyMs, answeredMs };
}

export async function run({ smoke }) {
  const trials = smoke ? 1 : 7;
  const env = testEnv();
  const image = env.AGENTPOD_TEST_IMAGE_STANDIN;
  const db = await scratchDatabase(env.AGENTPOD_TEST_DATABASE_URL);
  const cp = new ControlPlane({
    DATABASE_URL: db.url,
    AGENTPOD_IMAGE_OPENCLAW: image,
    AGENTPOD_POD_SUBNET_POOL: '10.236.0.0/16',
  });
  try {
    await cp.start();
    const tenant = await cp.api('POST', '/tenants', { name: 'provision' });
    const a = [];
    const r = [];
    for (let i = 0; i < trials; i++) {
      r.push(await raw(image, i));
      a.push(await agentpod(cp, tenant.id, i));
    }
    const figures = {
      trials,
      raw: {
        runningMs: median(r.map((x) => x.runningMs)),
        healthyMs: median(r.map((x) => x.healthyMs)),
      },
      agentpod: {
        runningMs: median(a.map((x) => x.runningMs)),
        healthyMs: median(a.map((x) => x.healthyMs)),
        // From the agent's first answer to AgentPod calling it healthy: the probe's share.
        healthyAfterAnswerMs: median(a.map((x) => x.healthyMs - x.answeredMs)),
      },
    };
    figures.ratio = { running: ratio(figures.agentpod.runningMs, figures.raw.runningMs) };
    return figures;
  } finally {
    await cp.stop();
    await db.drop();
    await removeInstallation(cp);
    await removeLabelled(LABEL);
  }
}
