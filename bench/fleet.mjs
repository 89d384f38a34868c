// P2-P4 at one size: N stand-in pods created through the API on PostgreSQL, then left idle at
// the default intervals (resync, probes and stats every 30 s), then deleted through the API.
// Beside it, in the same run, the raw Docker sequence for the same N with AgentPod's flags at
// parallelism 16, in both network layouts (a bridge per pod; one shared bridge without
// inter-container traffic): the faster one is the baseline for convergence.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  neighbourTableWarning,
  readNeighbourLimits,
} from '../apps/control-plane/dist/network/neighbour-table.js';
import { hasLeaveDeadlock } from '../apps/control-plane/dist/runtime/engine-quirks.js';
import {
  ControlPlane,
  cpuMeter,
  cpuMs,
  cpuSplitMs,
  createBridge,
  docker,
  dockerdPid,
  dockerWithDeadline,
  parallel,
  peakRssMb,
  ratio,
  removeInstallation,
  removeLabelled,
  rssMb,
  scratchDatabase,
  sleep,
  standinRunArgs,
  testEnv,
  until,
} from './lib.mjs';

const LABEL = 'agentpod.bench=fleet';

/**
 * The raw sequence for N pods, with the flags AgentPod's spec gives a stand-in pod, in one of
 * two network layouts: `per-pod` (network create + volume create + run each, AgentPod's layout
 * before the pod network) or `shared` (one bridge without inter-container traffic for all, as
 * AgentPod's pod network; volume create + run each). Removal is `rm -f` + volume rm (+ network rm) each, at the same parallelism.
 */
async function rawDocker(image, count, { layout, subnetBase }) {
  const names = Array.from({ length: count }, (_, i) => `apbench-raw-${i}`);
  const shared = 'apbench-raw-shared';
  const started = Date.now();
  const createCpu = cpuMeter();
  if (layout === 'shared') await createBridge(shared, `${subnetBase}.0.0/16`, LABEL);
  await parallel([...names.keys()], 16, async (i) => {
    const name = names[i];
    if (layout === 'per-pod') {
      const subnet = `${subnetBase}.${Math.floor(i / 16)}.${(i % 16) * 16}/28`;
      await createBridge(name, subnet, LABEL);
    }
    await dockerWithDeadline('volume', 'create', '--label', LABEL, name);
    await dockerWithDeadline(
      ...standinRunArgs(image, name, layout === 'shared' ? shared : name, LABEL),
    );
  });
  const createMs = Date.now() - started;
  const createCpuMs = createCpu();
  const removeStarted = Date.now();
  // On an engine with the network-leave deadlock, containers leave a shared bridge one at a
  // time, as AgentPod's own removals do there: 8 or 16 at once hung dockerd 20.10 here.
  const version = docker('version', '--format', '{{.Server.Version}}');
  const removeParallelism = layout === 'shared' && hasLeaveDeadlock(version) ? 1 : 16;
  await parallel(names, removeParallelism, async (name) => {
    await dockerWithDeadline('rm', '-f', '-v', name);
    if (layout === 'per-pod') await dockerWithDeadline('network', 'rm', name);
    await dockerWithDeadline('volume', 'rm', name);
  });
  const removeMs = Date.now() - removeStarted;
  // Docker 20.10 can keep stale endpoints on a bridge after parallel removals ("has active
  // endpoints" with no container left): a finding to report, cleared only by a daemon restart.
  let networkRemoveFailed;
  if (layout === 'shared') {
    await dockerWithDeadline('network', 'rm', shared).catch((err) => {
      networkRemoveFailed = String(err.stderr ?? err.message).trim();
    });
  }
  return {
    layout,
    createMs,
    createCpuMs,
    removeMs,
    removeParallelism,
    ...(networkRemoveFailed && { networkRemoveFailed }),
  };
}

/**
 * The host reaches every pod (probes, proxy): past the kernel's neighbour table the run would
 * measure a restart storm, not AgentPod. Refused with the control plane's own warning.
 */
function checkNeighbourTable(count) {
  const limits = readNeighbourLimits();
  const warning = limits && neighbourTableWarning(count, limits);
  if (warning) throw new Error(warning);
}

/**
 * `perf record` on the control plane for the idle phase, then a flat report by symbol (kernel
 * and JavaScript alike: V8's own profiler misattributes work this sparse) and the shares by
 * AgentPod's own module (perf-summary.mjs). All go to `dir`.
 */
async function perfRecord(pid, seconds, dir) {
  const data = join(dir, 'perf.data');
  // Not spawnSync: the bench must go on reading the control plane's output meanwhile, or its
  // pipe fills and the control plane blocks on its next log line.
  const record = spawn(
    'perf',
    ['record', '-F', '499', '-g', '-p', String(pid), '-o', data, '--', 'sleep', String(seconds)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  record.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise((resolve) => record.on('close', resolve));
  if (code !== 0) throw new Error(`perf record failed: ${stderr.trim()}`);
  const report = spawnSync(
    'perf',
    ['report', '-i', data, '--no-children', '--sort', 'dso,sym', '--stdio', '-g', 'none'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(join(dir, 'report.txt'), report.stdout);
  const summary = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./perf-summary.mjs', import.meta.url)), dir],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(join(dir, 'summary.txt'), summary.stdout + summary.stderr);
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

/** Phases a pod passes through on its way to running, in that order, and the ones off it. */
const NOT_RUNNING = ['pending', 'pulling', 'creating', 'starting', 'stopping', 'stopped', 'failed'];

/**
 * True once all `count` pods are running. Watching must not cost what it measures: reading the
 * whole list 4 times a second cost ~28 ms of CPU each at 1,000 pods (the control plane's and
 * this process's), 5% of the machine while it converges. So it asks for one pod in each phase
 * short of running, in the order pods pass them (a pod moving on meanwhile is found in the
 * next), and reads the whole list only to confirm.
 */
async function allRunning(cp, count) {
  if (await anyIn(cp, NOT_RUNNING)) return undefined;
  const pods = await podsPage(cp);
  return pods.filter((p) => p.status.phase === 'running').length === count ? true : undefined;
}

/** `cpuMs` spent over `seconds`, as a share of one core in percent, to one decimal. */
const percentOfOneCore = (cpuMs, seconds) => Math.round((cpuMs / (seconds * 1000)) * 1000) / 10;

/** Whether one pod (deleted ones too, with `filter`) is in one of `phases`: a page of one each. */
async function anyIn(cp, phases, filter = '') {
  for (const phase of phases) {
    const page = await cp.api('GET', `/pods?limit=1&phase=${phase}${filter}`);
    if (page.items.length > 0) return true;
  }
  return false;
}

/** True once every pod is deleted, watched as cheaply as `allRunning`. */
async function allDeleted(cp) {
  if (await anyIn(cp, ['deleting', 'running', ...NOT_RUNNING], '&includeDeleted=true')) {
    return undefined;
  }
  // Gone from the list at once; deleted once the reconciler has removed their objects.
  const left = await podsPage(cp, '&includeDeleted=true');
  return left.every((p) => p.status.phase === 'deleted') ? true : undefined;
}

export async function run({
  smoke,
  size,
  profileDir,
  perfDir,
  noRaw = false,
  rawLayouts = ['per-pod', 'shared'],
  database = 'postgres',
  idleSeconds: idleSecondsAsked,
}) {
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  if (perfDir) {
    if (spawnSync('perf', ['--version']).status !== 0)
      throw new Error(
        '--perf needs Linux perf on this machine (Debian: apt-get install linux-perf)',
      );
    mkdirSync(perfDir, { recursive: true });
  }
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // perf names JIT-compiled JavaScript from the map file --perf-basic-prof writes to /tmp.
  // It also starts V8's log, which goes to the working folder unless told otherwise.
  if (perfDir)
    nodeArgs.push(
      '--perf-basic-prof',
      '--no-logfile-per-isolate',
      `--logfile=${join(perfDir, 'v8.log')}`,
    );
  const count = size ?? (smoke ? 3 : 100);
  checkNeighbourTable(count);
  // Each phase may take up to two seconds per pod on two cores; ten minutes at least.
  const waitMs = Math.max(600_000, count * 2_000);
  // Five minutes: one of every periodic pass (the volume walk and the usage roll-up run every
  // 5 min; resync, probes and stats every 30 s), so the figure does not depend on where they fall.
  const idleSeconds = smoke ? 2 : (idleSecondsAsked ?? 300);
  const env = testEnv();
  const image = env.AGENTPOD_TEST_IMAGE_STANDIN;
  // Both layouts, one after the other, on the same subnet range.
  const raw = {};
  if (!smoke && !noRaw && nodeArgs.length === 0) {
    if (rawLayouts.includes('per-pod'))
      raw.perPod = await rawDocker(image, count, { layout: 'per-pod', subnetBase: '10.233' });
    if (rawLayouts.includes('shared'))
      raw.shared = await rawDocker(image, count, { layout: 'shared', subnetBase: '10.233' });
    // Figures as they come, for a long run that may not reach its end.
    console.error(`[fleet] raw ${JSON.stringify(raw)}`);
  }
  const baseline = Object.values(raw);
  const best = (key) => Math.min(...baseline.map((r) => r[key]));
  // On PGlite the control plane makes its database in its data folder: a first start.
  const db = database === 'postgres' ? await scratchDatabase(env.AGENTPOD_TEST_DATABASE_URL) : null;
  const cp = new ControlPlane(
    {
      ...(db && { DATABASE_URL: db.url }),
      AGENTPOD_IMAGE_OPENCLAW: image,
      AGENTPOD_POD_SUBNET_POOL: '10.232.0.0/16',
      // For the resync's own figures ('resync pass'); nothing else logs at debug while idle.
      AGENTPOD_LOG_LEVEL: 'debug',
    },
    { nodeArgs },
  );
  try {
    await cp.start();
    const tenant = await cp.api('POST', '/tenants', { name: 'fleet' });
    const started = Date.now();
    const convergeCpu = cpuMeter(cp.pid);
    await parallel([...Array(count).keys()], 16, (i) =>
      cp.api('POST', '/pods', { tenantId: tenant.id, subdomain: `fleet-${i}` }),
    );
    const answeredMs = Date.now() - started;
    await until('every pod running', () => allRunning(cp, count), {
      intervalMs: 250,
      timeoutMs: waitMs,
    });
    const runningMs = Date.now() - started;
    // The whole converge's CPU, beside the raw sequence's (createCpuMs).
    const convergeCpuMs = convergeCpu();
    // How the new pods' files went: the rest of the pods' were written one at a time.
    const fileHelpers = { ...cp.fileHelpers };
    await until(
      'every pod healthy',
      async () => {
        const pods = await podsPage(cp);
        return pods.every((p) => p.status.health === 'healthy') ? true : undefined;
      },
      { intervalMs: 500, timeoutMs: waitMs },
    );
    const healthyMs = Date.now() - started;
    // Let the converge's aftermath pass before idle is measured: the last status writes, the
    // first stats pass over every pod, the garbage collector shrinking the heap the converge
    // grew. At 1,000 pods the first two minutes after a converge or a restart cost 2.5-3.1% of
    // a core where later windows cost 2.0-2.5% (docs/performance.md). Reported apart: `settle`.
    const settleSeconds = smoke ? 0.5 : 120;
    const settle0 = cpuSplitMs(cp.pid);
    await sleep(settleSeconds * 1000);
    const cpu0 = cpuSplitMs(cp.pid);
    const settleCpuMs = cpu0.userMs + cpu0.systemMs - settle0.userMs - settle0.systemMs;
    const dockerd0 = cpuMs(dockerdPid());
    // The idle phase on the monotonic clock V8's profiler stamps its samples with.
    const idleFromUs = process.hrtime.bigint() / 1000n;
    if (perfDir) await perfRecord(cp.pid, idleSeconds, perfDir);
    else await sleep(idleSeconds * 1000);
    if (profileDir) {
      const window = { fromUs: String(idleFromUs), toUs: String(process.hrtime.bigint() / 1000n) };
      writeFileSync(join(profileDir, 'idle-window.json'), JSON.stringify(window));
    }
    const cpu1 = cpuSplitMs(cp.pid);
    const idleStarted = Date.now() - idleSeconds * 1000;
    const passes = cp.resyncPasses.filter((p) => p.at >= idleStarted);
    const sortedCpu = passes.map((p) => p.cpuMs).sort((a, b) => a - b);
    const idle = {
      seconds: idleSeconds,
      cpuMs: cpu1.userMs + cpu1.systemMs - cpu0.userMs - cpu0.systemMs,
      systemCpuMs: cpu1.systemMs - cpu0.systemMs,
      dockerdCpuMs: cpuMs(dockerdPid()) - dockerd0,
      rssMb: rssMb(cp.pid),
      // Since the control plane started: its first start, the converge and this idle phase.
      peakRssMb: peakRssMb(cp.pid),
      // PGlite's first start creates its database in a process of its own, which then exits:
      // its peak is not in the control plane's, so it is reported here beside it.
      ...(cp.databaseCreation && { databaseCreation: cp.databaseCreation }),
      // P3: the periodic resync over every pod (one listing, one query), as it logs itself.
      resync: {
        passes: passes.length,
        pods: passes[0]?.pods ?? null,
        queued: passes.map((p) => p.queued),
        dockerCalls: [...new Set(passes.map((p) => p.dockerCalls))],
        cpuMsMedian: sortedCpu[Math.floor(sortedCpu.length / 2)] ?? null,
        cpuMsMax: sortedCpu.at(-1) ?? null,
      },
    };
    idle.cpuPercentOfOneCore = percentOfOneCore(idle.cpuMs, idleSeconds);
    idle.settle = {
      seconds: settleSeconds,
      cpuMs: settleCpuMs,
      cpuPercentOfOneCore: percentOfOneCore(settleCpuMs, settleSeconds),
    };
    console.error(
      `[fleet] agentpod ${JSON.stringify({ answeredMs, runningMs, convergeCpuMs, fileHelpers, healthyMs, idle })}`,
    );
    const deleteStarted = Date.now();
    const pods = await podsPage(cp);
    await parallel(pods, 16, (p) => cp.api('DELETE', `/pods/${p.id}?purge=true`));
    await until('every pod deleted', () => allDeleted(cp), { intervalMs: 250, timeoutMs: waitMs });
    const deletedMs = Date.now() - deleteStarted;
    console.error(`[fleet] agentpod deletedMs ${deletedMs}`);
    return {
      pods: count,
      database,
      agentpod: {
        answeredMs,
        runningMs,
        convergeCpuMs,
        fileHelpers,
        healthyMs,
        deletedMs,
        idle,
      },
      raw: baseline.length > 0 ? raw : null,
      ratio:
        baseline.length > 0
          ? {
              // Against the fastest layout run: the target's baseline.
              running: ratio(runningMs, best('createMs')),
              deleted: ratio(deletedMs, best('removeMs')),
            }
          : null,
    };
  } finally {
    await cp.stop();
    await db?.drop();
    await removeInstallation(cp);
    await removeLabelled(LABEL);
  }
}
