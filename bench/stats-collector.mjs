#!/usr/bin/env node
// What resource monitoring costs: the stats collector's own CPU (this process) and the Docker
// daemon's (answering the one-shot stats calls) per pass over N running pods, measured against
// the real daemon with the stand-in agent image. Figures go to docs/benchmarks.md.
//
//   scripts/test-env.sh && pnpm turbo run build
//   node bench/stats-collector.mjs [pods=100] [passes=12] [concurrency=32]
//
// The collector code is the built one (apps/control-plane/dist); the database is an in-memory
// PGlite in this process, so the collector's figure includes the database's work (one INSERT
// and one UPDATE a pass).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const dist = (path) => new URL(`apps/control-plane/dist/${path}`, root).href;
const { openDatabase } = await import(dist('db/client.js'));
const { runMigrations } = await import(dist('db/migrate.js'));
const { createTenant } = await import(dist('db/queries/tenants.js'));
const { createPod, writePodStatus } = await import(dist('db/queries/pods.js'));
const { StatsCollector } = await import(dist('stats/collector.js'));
const { createLogger } = await import(dist('logger.js'));
const { DockerHost, parseDockerHost } = await import(dist('runtime/host.js'));

const POD_COUNT = Number(process.argv[2] ?? 100);
const PASSES = Number(process.argv[3] ?? 12);
const CONCURRENCY = Number(process.argv[4] ?? 32);
const LABEL = 'agentpod.bench=stats-collector';
const testEnv = Object.fromEntries(
  readFileSync(new URL('.test-env', root), 'utf8')
    .split('\n')
    .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l))
    .filter(Boolean)
    .map((m) => [m[1], m[2]]),
);
const image = testEnv.AGENTPOD_TEST_IMAGE_STANDIN;
if (!image) throw new Error('.test-env names no stand-in image: run scripts/test-env.sh');

const docker = (...args) => execFileSync('/usr/bin/docker', args, { encoding: 'utf8' }).trim();
const dockerdPid = Number(readFileSync('/var/run/docker.pid', 'utf8'));
/** utime + stime of a process, in ms (clock ticks of 10 ms). */
function processCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

console.log(`starting ${POD_COUNT} stand-in containers (${image})`);
const ids = [];
for (let i = 0; i < POD_COUNT; i++) {
  ids.push(docker('run', '-d', '--label', LABEL, '--memory', '64m', image));
}
try {
  const handle = await openDatabase({ memory: true });
  await runMigrations(handle);
  const db = handle.db;
  const tenant = await createTenant(db, { name: 'bench' });
  for (const [i, containerId] of ids.entries()) {
    const pod = await createPod(db, {
      tenantId: tenant.id,
      name: `bench-${i}`,
      subdomain: `bench-${i}`,
      agentType: 'openclaw',
      image: null,
      config: {},
      resources: { memoryMb: 64, cpus: 1, pidsLimit: 64 },
      desiredState: 'running',
      secrets: {},
    });
    await writePodStatus(db, pod.id, { phase: 'running', containerId });
  }
  const host = new DockerHost(parseDockerHost('unix:///var/run/docker.sock'));
  const collector = new StatsCollector(db, host, {
    intervalMs: 10_000,
    concurrency: CONCURRENCY,
    logger: createLogger('silent'),
  });
  await collector.collect(); // warm-up: first samples, JIT

  const cpu0 = process.cpuUsage();
  const dockerd0 = processCpuMs(dockerdPid);
  const wall0 = performance.now();
  let sampled = 0;
  for (let i = 0; i < PASSES; i++) sampled += await collector.collect();
  const wallMs = (performance.now() - wall0) / PASSES;
  const cpu = process.cpuUsage(cpu0);
  const selfMs = (cpu.user + cpu.system) / 1000 / PASSES;
  const dockerdMs = (processCpuMs(dockerdPid) - dockerd0) / PASSES;
  const perMinute = 60_000 / 10_000;
  console.log(
    JSON.stringify(
      {
        pods: POD_COUNT,
        passes: PASSES,
        concurrency: CONCURRENCY,
        samplesPerPass: sampled / PASSES,
        wallMsPerPass: Math.round(wallMs),
        collectorCpuMsPerPass: Math.round(selfMs),
        dockerdCpuMsPerPass: Math.round(dockerdMs),
        atDefaultInterval10s: {
          collectorCpuSecondsPerMinute: ((selfMs * perMinute) / 1000).toFixed(2),
          dockerdCpuSecondsPerMinute: ((dockerdMs * perMinute) / 1000).toFixed(2),
        },
      },
      null,
      2,
    ),
  );
  await handle.close();
} finally {
  execFileSync('/usr/bin/docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}
