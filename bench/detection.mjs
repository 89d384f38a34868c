// P6 at one pod: how fast a failure turns into a restart.
// - Death: the agent's container is SIGKILLed from the host (as the kernel's OOM killer or a
//   crash would end it). Measured from Docker's own record of the exit (State.FinishedAt) to
//   the next start (State.StartedAt); the target is under 1 s.
// - Failed probes: the stand-in stops answering /healthz. Measured from AgentPod's
//   HealthCheckFailed event (the failure threshold reached) to the container's next start; the
//   target is under one probe interval (OpenClaw's default, 30 s; 5 s in the smoke run, which
//   would otherwise wait up to 90 s for the three failures).
import { openclaw } from '../apps/control-plane/dist/adapters/openclaw.js';
import {
  ControlPlane,
  dockerWithDeadline,
  removeInstallation,
  scratchDatabase,
  testEnv,
  until,
} from './lib.mjs';

async function state(containerId) {
  const [s] = JSON.parse((await dockerWithDeadline('inspect', containerId)).stdout);
  return {
    pid: s.State.Pid,
    running: s.State.Running,
    startedAt: s.State.StartedAt,
    finishedAt: s.State.FinishedAt,
  };
}

async function healthyPod(cp, id) {
  return until(
    'the pod running and healthy',
    async () => {
      const pod = await cp.api('GET', `/pods/${id}`);
      return pod.status.phase === 'running' && pod.status.health === 'healthy' ? pod : undefined;
    },
    { intervalMs: 200, timeoutMs: 120_000 },
  );
}

/** From the exit Docker recorded to the start after it, in ms. */
async function deathToStart(cp, podId) {
  const pod = await healthyPod(cp, podId);
  const containerId = pod.status.containerId;
  const before = await state(containerId);
  process.kill(before.pid, 'SIGKILL');
  const after = await until(
    'the container started again',
    async () => {
      const s = await state(containerId);
      return s.running && s.startedAt !== before.startedAt ? s : undefined;
    },
    { intervalMs: 50, timeoutMs: 60_000 },
  );
  // Docker's timestamps have nanoseconds; Date.parse keeps the milliseconds.
  return Math.round(Date.parse(after.startedAt) - Date.parse(after.finishedAt));
}

/** From the HealthCheckFailed event to the container's next start, in ms. */
async function failedProbesToStart(cp, podId) {
  const pod = await healthyPod(cp, podId);
  const events = async () =>
    (await cp.api('GET', `/pods/${podId}/events?reason=HealthCheckFailed&limit=100`)).items;
  const seen = (await events()).length;
  const before = await state(pod.status.containerId);
  await dockerWithDeadline('exec', pod.status.containerId, 'rm', '/tmp/standin-www/healthz');
  const failed = await until(
    'HealthCheckFailed',
    async () => {
      const list = await events();
      return list.length > seen
        ? list.reduce((a, b) => (a.createdAt > b.createdAt ? a : b))
        : undefined;
    },
    { intervalMs: 200, timeoutMs: 120_000 },
  );
  const restarted = await until(
    'the pod started again',
    async () => {
      const now = await cp.api('GET', `/pods/${podId}`);
      const s = await state(now.status.containerId).catch(() => undefined);
      return s?.running && s.startedAt !== before.startedAt ? s : undefined;
    },
    { intervalMs: 100, timeoutMs: 60_000 },
  );
  return Math.round(Date.parse(restarted.startedAt) - Date.parse(failed.createdAt));
}

export async function run({ smoke }) {
  const trials = { death: smoke ? 1 : 5, probes: smoke ? 1 : 3 };
  const probeIntervalMs = smoke ? 5_000 : openclaw.probes.liveness.intervalMs;
  const env = testEnv();
  const db = await scratchDatabase(env.AGENTPOD_TEST_DATABASE_URL);
  const cp = new ControlPlane({
    DATABASE_URL: db.url,
    AGENTPOD_IMAGE_OPENCLAW: env.AGENTPOD_TEST_IMAGE_STANDIN,
    AGENTPOD_POD_SUBNET_POOL: '10.234.0.0/16',
    ...(smoke && { AGENTPOD_PROBE_INTERVAL_MS: String(probeIntervalMs) }),
  });
  try {
    await cp.start();
    const tenant = await cp.api('POST', '/tenants', { name: 'detection' });
    // A pod per trial: deaths in a row are a crash loop, which AgentPod answers with a back-off.
    const pods = [];
    for (let i = 0; i < trials.death + trials.probes; i++)
      pods.push(await cp.api('POST', '/pods', { tenantId: tenant.id, subdomain: `detect-${i}` }));
    const deathMs = [];
    for (const pod of pods.slice(0, trials.death)) deathMs.push(await deathToStart(cp, pod.id));
    const probesMs = [];
    for (const pod of pods.slice(trials.death))
      probesMs.push(await failedProbesToStart(cp, pod.id));
    for (const pod of pods) await cp.api('DELETE', `/pods/${pod.id}?purge=true`);
    return {
      deathToStartMs: deathMs,
      failedProbesToStartMs: probesMs,
      probeIntervalMs,
    };
  } finally {
    await cp.stop();
    await db.drop();
    await removeInstallation(cp);
  }
}
