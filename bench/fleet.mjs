// P2-P4 at one size: N stand-in pods created through the API on PostgreSQL, then left idle at
// the default intervals (resync 30 s, probes 10 s, stats 10 s), then deleted through the API.
// Beside it, in the same run, the raw Docker sequence for the same N (network create + volume
// create + run with AgentPod's flags, at parallelism 16): the baseline for convergence.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ControlPlane,
  cpuMs,
  dockerdPid,
  rssMb,
  scratchDatabase,
  sleep,
  testEnv,
  until,
} from './lib.mjs';

const exec = promisify(execFile);
const LABEL = 'agentpod.bench=fleet';

/** Runs `fn` over `items` with at most `n` at once. */
async function parallel(items, n, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(n, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

const docker = (...args) => exec('/usr/bin/docker', args, { maxBuffer: 16 << 20 });

/** The raw sequence per pod, with the flags AgentPod's spec gives a stand-in pod. */
async function rawDocker(image, count, subnetBase) {
  const names = Array.from({ length: count }, (_, i) => `apbench-raw-${i}`);
  const started = Date.now();
  await parallel(names, 16, async (name) => {
    const i = Number(name.split('-').pop());
    const subnet = `${subnetBase}.${Math.floor(i / 16)}.${(i % 16) * 16}/28`;
    await docker(
      'network',
      'create',
      '--label',
      LABEL,
      '--subnet',
      subnet,
      '-o',
      'com.docker.network.bridge.enable_icc=false',
      name,
    );
    await docker('volume', 'create', '--label', LABEL, name);
    await docker(
      'run',
      '-d',
      '--name',
      name,
      '--label',
      LABEL,
      '--network',
      name,
      '-v',
      `${name}:/home/node/.openclaw`,
      '--memory',
      '2048m',
      '--cpus',
      '1',
      '--pids-limit',
      '512',
      '--init',
      '--restart',
      'unless-stopped',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      image,
    );
  });
  const createMs = Date.now() - started;
  const removeStarted = Date.now();
  await parallel(names, 16, async (name) => {
    await docker('rm', '-f', '-v', name);
    await docker('network', 'rm', name);
    await docker('volume', 'rm', name);
  });
  return { createMs, removeMs: Date.now() - removeStarted };
}

/** Whatever this run's control plane left behind (a failed run), by its installation label. */
async function removeInstallation(cp) {
  const id = /"installation":"([a-z0-9]+)"/.exec(cp.output)?.[1];
  if (!id) return;
  const filter = `label=agentpod.installation=${id}`;
  const ids = (await docker('ps', '-aq', '--filter', filter)).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await docker('rm', '-f', '-v', ...ids);
  const nets = (await docker('network', 'ls', '-q', '--filter', filter)).stdout
    .split('\n')
    .filter(Boolean);
  if (nets.length > 0) await docker('network', 'rm', ...nets);
  const vols = (await docker('volume', 'ls', '-q', '--filter', filter)).stdout
    .split('\n')
    .filter(Boolean);
  if (vols.length > 0) await docker('volume', 'rm', ...vols);
}

async function podsPage(cp, filter = '') {
  const all = [];
  let cursor;
  do {
    const page = await cp.api(
      'GET',
      `/pods?limit=200${filter}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export async function run({ smoke, size, nodeArgs = [] }) {
  const count = size ?? (smoke ? 3 : 100);
  const idleSeconds = smoke ? 2 : 90;
  const env = testEnv();
  const image = env.AGENTPOD_TEST_IMAGE_STANDIN;
  const raw = smoke || nodeArgs.length > 0 ? null : await rawDocker(image, count, '10.233');
  const db = await scratchDatabase(env.AGENTPOD_TEST_DATABASE_URL);
  const cp = new ControlPlane(
    {
      DATABASE_URL: db.url,
      AGENTPOD_IMAGE_OPENCLAW: image,
      AGENTPOD_POD_SUBNET_POOL: '10.232.0.0/16',
    },
    { nodeArgs },
  );
  try {
    await cp.start();
    const tenant = await cp.api('POST', '/tenants', { name: 'fleet' });
    const started = Date.now();
    await parallel([...Array(count).keys()], 16, (i) =>
      cp.api('POST', '/pods', { tenantId: tenant.id, subdomain: `fleet-${i}` }),
    );
    const answeredMs = Date.now() - started;
    await until(
      'every pod running',
      async () => {
        const pods = await podsPage(cp);
        return pods.filter((p) => p.status.phase === 'running').length === count ? true : undefined;
      },
      { intervalMs: 250 },
    );
    const runningMs = Date.now() - started;
    await until(
      'every pod healthy',
      async () => {
        const pods = await podsPage(cp);
        return pods.every((p) => p.status.health === 'healthy') ? true : undefined;
      },
      { intervalMs: 500 },
    );
    const healthyMs = Date.now() - started;
    // Let the converge's work settle (the last status writes, the first stats pass), then idle.
    await sleep(smoke ? 500 : 15_000);
    const cpu0 = cpuMs(cp.pid);
    const dockerd0 = cpuMs(dockerdPid());
    await sleep(idleSeconds * 1000);
    const idle = {
      seconds: idleSeconds,
      cpuMs: cpuMs(cp.pid) - cpu0,
      dockerdCpuMs: cpuMs(dockerdPid()) - dockerd0,
      rssMb: rssMb(cp.pid),
    };
    idle.cpuPercentOfOneCore = Math.round((idle.cpuMs / (idleSeconds * 1000)) * 1000) / 10;
    const deleteStarted = Date.now();
    const pods = await podsPage(cp);
    await parallel(pods, 16, (p) => cp.api('DELETE', `/pods/${p.id}?purge=true`));
    await until(
      'every pod deleted',
      async () => {
        // Gone from the list at once; deleted once the reconciler has removed their objects.
        const left = await podsPage(cp, '&includeDeleted=true');
        return left.every((p) => p.status.phase === 'deleted') ? true : undefined;
      },
      { intervalMs: 500 },
    );
    const deletedMs = Date.now() - deleteStarted;
    return {
      pods: count,
      agentpod: { answeredMs, runningMs, healthyMs, deletedMs, idle },
      raw,
      ratio: raw
        ? {
            running: Math.round((runningMs / raw.createMs) * 100) / 100,
            deleted: Math.round((deletedMs / raw.removeMs) * 100) / 100,
          }
        : null,
    };
  } finally {
    await cp.stop();
    await db.drop();
    await removeInstallation(cp);
  }
}
