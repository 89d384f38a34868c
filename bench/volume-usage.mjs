#!/usr/bin/env node
// What measuring the pods' state volumes costs, per pass over N volumes: walking their folders
// in this process (stats/disk-usage.ts, what stats/volume-usage.ts does when Docker is local),
// and the two ways Docker offers: `du -sk -x` run in each pod (exec, 4 at a time; the fallback)
// and one `GET /system/df` (Docker 20.10 has no `?type=volume`, so it also sizes every image,
// container and build cache). Wall time, this process's CPU and the daemon's CPU are measured
// against the real daemon with the stand-in agent image. Figures go to docs/benchmarks.md.
//
//   scripts/test-env.sh && pnpm turbo run build
//   node bench/volume-usage.mjs [volumes=50] [files per volume=200] [passes=3]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
const dist = (path) => new URL(`apps/control-plane/dist/${path}`, root).href;
const { DockerHost, parseDockerHost } = await import(dist('runtime/host.js'));
const { execInContainer } = await import(dist('runtime/exec.js'));
const { diskUsage } = await import(dist('stats/disk-usage.js'));
const require = createRequire(new URL('apps/control-plane/package.json', root));
const pLimit = (await import(require.resolve('p-limit'))).default;

const COUNT = Number(process.argv[2] ?? 50);
const FILES = Number(process.argv[3] ?? 200);
const PASSES = Number(process.argv[4] ?? 3);
const CONCURRENCY = 4;
const PREFIX = `apbench-volume-${process.pid}`;
const LABEL = `agentpod.bench=${PREFIX}`;
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
function processCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
async function measure(what, fn) {
  const rows = [];
  for (let i = 0; i < PASSES; i++) {
    const cpu0 = processCpuMs(dockerdPid);
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const self = process.cpuUsage(self0);
    rows.push({
      wallMs: performance.now() - t0,
      dockerdCpuMs: processCpuMs(dockerdPid) - cpu0,
      selfCpuMs: (self.user + self.system) / 1000,
    });
  }
  const each = rows.map((r) => `${Math.round(r.wallMs)}/${r.dockerdCpuMs}`).join(', ');
  const avg = (k) => Math.round(rows.reduce((s, r) => s + r[k], 0) / rows.length);
  console.log(`  passes (wall/dockerd CPU ms): ${each}`);
  console.log(
    `${what}: ${avg('wallMs')} ms wall, ${avg('selfCpuMs')} ms own CPU, ${avg('dockerdCpuMs')} ms dockerd CPU (avg of ${PASSES})`,
  );
}

console.log(`starting ${COUNT} stand-in containers with ${FILES} files of 4 KiB in their volume`);
const ids = [];
try {
  for (let i = 0; i < COUNT; i++) {
    const volume = `${PREFIX}-${i}`;
    ids.push(
      docker(
        'run',
        '-d',
        '--label',
        LABEL,
        '--network',
        'none',
        '--memory',
        '64m',
        '--mount',
        `type=volume,source=${volume},target=/data`,
        '--user',
        '0',
        // A process that only waits: the volume is what is measured, not the agent.
        '--entrypoint',
        'sleep',
        image,
        '86400',
      ),
    );
    docker(
      'exec',
      ids[i],
      'sh',
      '-c',
      `i=0; while [ $i -lt ${FILES} ]; do dd if=/dev/zero of=/data/f$i bs=4096 count=1 2>/dev/null; i=$((i+1)); done`,
    );
  }
  const host = new DockerHost(parseDockerHost(testEnv.AGENTPOD_TEST_DOCKER_HOST), {
    timeoutMs: 120_000,
  });
  const limit = pLimit(CONCURRENCY);
  const folders = ids.map((id) =>
    docker('inspect', '-f', '{{range .Mounts}}{{.Source}}{{end}}', id),
  );
  await measure(`walked in this process (${CONCURRENCY} at a time)`, () =>
    Promise.all(folders.map((f) => limit(() => diskUsage(f, Date.now() + 60_000)))),
  );
  await measure(`du in each pod (exec, ${CONCURRENCY} at a time)`, () =>
    Promise.all(
      ids.map((id) =>
        limit(() =>
          execInContainer(host, id, ['timeout', '-s', 'KILL', '60', 'du', '-sk', '-x', '/data']),
        ),
      ),
    ),
  );
  await measure('GET /system/df (every volume, image and container)', () => host.docker.df());
} finally {
  for (const id of ids) {
    const state = docker(
      'inspect',
      '-f',
      '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}',
      id,
    );
    if (!state.startsWith('running')) console.log(`container ${id.slice(0, 12)} ended: ${state}`);
  }
  for (const id of ids) docker('rm', '-f', '-v', id);
  for (let i = 0; i < ids.length; i++) {
    try {
      docker('volume', 'rm', `${PREFIX}-${i}`);
    } catch {}
  }
}
