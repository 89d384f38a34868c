// What the benchmarks share: the test environment's settings, a scratch database, the control
// plane as a child process (the built CLI's `agentpod server`), a process's CPU and RSS from
// /proc, and the results file.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const root = new URL('../', import.meta.url);
const require = createRequire(new URL('apps/control-plane/package.json', root));
const pg = require('pg');

export const CLI = new URL('apps/cli/dist/main.js', root).pathname;

export function testEnv() {
  let text;
  try {
    text = readFileSync(new URL('.test-env', root), 'utf8');
  } catch {
    throw new Error('.test-env is missing: run scripts/test-env.sh first');
  }
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

/** A new database on the test server; `drop` removes it. */
export async function scratchDatabase(serverUrl) {
  const name = `agentpod_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** utime + stime of a process in ms (clock ticks of 10 ms). */
export function cpuMs(pid) {
  const { userMs, systemMs } = cpuSplitMs(pid);
  return userMs + systemMs;
}

/** A process's CPU in user space and in the kernel (its system calls), in ms. */
export function cpuSplitMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { userMs: Number(fields[11]) * 10, systemMs: Number(fields[12]) * 10 };
}

export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/** The most the process has held at once since it started (the kernel's high-water mark). */
export function peakRssMb(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/**
 * The whole machine's busy CPU (user, nice, system, irq, softirq of every core) in ms: what a
 * phase cost everything on the box (dockerd, containerd, its shims and runc, the kernel's
 * network and mount work, the database), not only the control plane.
 */
export function machineCpuMs() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // cpu user nice system idle iowait irq softirq ...
  return (f[1] + f[2] + f[3] + f[6] + f[7]) * 10;
}

/** Where a phase's CPU went: the machine, the daemon, and (given its pid) the control plane. */
export function cpuMeter(controlPlanePid) {
  const start = {
    machine: machineCpuMs(),
    dockerd: cpuMs(dockerdPid()),
    controlPlane: controlPlanePid ? cpuMs(controlPlanePid) : 0,
    processes: processCpu(controlPlanePid),
  };
  return () => {
    const machineMs = machineCpuMs() - start.machine;
    return {
      machineMs,
      dockerdMs: cpuMs(dockerdPid()) - start.dockerd,
      ...(controlPlanePid && { controlPlaneMs: cpuMs(controlPlanePid) - start.controlPlane }),
      byProcess: byProcessSince(start.processes, processCpu(controlPlanePid), machineMs),
    };
  };
}

/**
 * Every process's CPU so far (its own and its reaped children's: runc's goes to its shim, a
 * pod's short-lived processes to the pod's main one; not init's), each put in a group: the
 * control plane, this bench, dockerd, containerd, the shims, the pods' own processes,
 * PostgreSQL, the kernel's threads, the rest.
 */
function processCpu(controlPlanePid) {
  const byPid = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    let cgroup;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      cgroup = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // After the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15) ... starttime(20)
    const pid = Number(entry);
    // Not init's reaped children: every orphan ends there (each shim, when its container goes),
    // and what they used before they were orphaned may already be counted where they ran.
    const reaped = pid === 1 ? 0 : Number(f[13]) + Number(f[14]);
    const ms = (Number(f[11]) + Number(f[12]) + reaped) * 10;
    byPid.set(`${pid}:${f[19]}`, { ms, group: groupOf(pid, Number(f[1]), comm, cgroup) });
  }
  return byPid;

  function groupOf(pid, ppid, comm, cgroup) {
    if (pid === controlPlanePid) return 'controlPlane';
    if (pid === process.pid) return 'bench';
    if (pid === 2 || ppid === 2) return 'kernelThreads';
    if (/docker[-/][0-9a-f]{64}/.test(cgroup)) return 'pods';
    if (comm === 'dockerd') return 'dockerd';
    if (comm === 'containerd') return 'containerd';
    if (comm.startsWith('containerd-shim')) return 'shims';
    if (comm === 'postgres') return 'postgres';
    return 'other';
  }
}

/** Each group's CPU between two snapshots; what no living process accounts for, `unattributed`. */
function byProcessSince(before, after, machineMs) {
  const groups = {};
  let attributed = 0;
  for (const [key, { ms, group }] of after) {
    const delta = ms - (before.get(key)?.ms ?? 0);
    groups[group] = (groups[group] ?? 0) + delta;
    attributed += delta;
  }
  // Interrupts, and the processes init reaped (orphans): init's own count leaves them out.
  groups.unattributed = machineMs - attributed;
  return groups;
}

export const dockerdPid = () => Number(readFileSync('/var/run/docker.pid', 'utf8'));

export function docker(...args) {
  return execFileSync('/usr/bin/docker', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
}

/** The control plane, started as an operator starts it. */
export class ControlPlane {
  /** `nodeArgs`: for a profile, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  constructor(env, { nodeArgs = [] } = {}) {
    this.env = env;
    this.nodeArgs = nodeArgs;
    this.output = '';
    this.pending = '';
    /** The installation id, kept apart: the output keeps only its last 50 KB. */
    this.installation = undefined;
    /** Each periodic resync's own figures (logged at debug level), with when they came. */
    this.resyncPasses = [];
    /** New pods' files written through one helper for several pods (debug log lines). */
    this.fileHelpers = { count: 0, pods: 0 };
    /** On a first start on PGlite: the separate process that created the database (ms, peak). */
    this.databaseCreation = undefined;
    this.dataDir = mkdtempSync(join(tmpdir(), 'agentpod-bench-'));
  }

  /** Reads complete log lines as they come: the figures the output's tail may lose. */
  readLines(chunk) {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!this.installation) this.installation = /"installation":"([a-z0-9]+)"/.exec(line)?.[1];
      if (line.includes('"msg":"resync pass"')) {
        this.resyncPasses.push({ at: Date.now(), ...JSON.parse(line) });
      }
      if (line.includes('"msg":"wrote new pods\' files together"')) {
        this.fileHelpers.count++;
        this.fileHelpers.pods += JSON.parse(line).size;
      }
      if (line.includes('"msg":"created the embedded database')) {
        const { ms, peakRssMb } = JSON.parse(line);
        this.databaseCreation = { ms, peakRssMb };
      }
    }
  }

  async start() {
    const env = {
      ...process.env,
      AGENTPOD_PORT: '0',
      AGENTPOD_LOG_LEVEL: 'info',
      AGENTPOD_DATA_DIR: this.dataDir,
      AGENTPOD_PROXY: 'none',
      AGENTPOD_NETWORK_POLICY: 'off',
      AGENTPOD_BASE_DOMAIN: 'bench.test',
      ...this.env,
    };
    // No database named: the embedded PGlite in the data folder, whatever this shell has set.
    if (!this.env.DATABASE_URL) delete env.DATABASE_URL;
    const child = spawn(process.execPath, [...this.nodeArgs, CLI, 'server'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise((resolve, reject) => {
      const onData = (chunk) => {
        this.readLines(chunk.toString());
        this.output = (this.output + chunk.toString()).slice(-50_000);
        const token = /shown only this once: (ap_[\w-]+)/.exec(this.output)?.[1];
        if (token) this.token = token;
        const url = /"url":"(http:\/\/[^"]+)","msg":"control plane listening"/.exec(
          this.output,
        )?.[1];
        if (url) resolve(url);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) =>
        reject(new Error(`control plane exited with ${code}: ${this.output.slice(-2000)}`)),
      );
    });
    return this;
  }

  get pid() {
    return this.child.pid;
  }

  async api(method, path, body) {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function machine() {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value other than undefined; throws after `timeoutMs`. */
export async function until(what, probe, { timeoutMs = 600_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Runs `fn` over `items` with at most `n` at once. */
export async function parallel(items, n, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(n, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

const execAsync = promisify(execFile);

/** Every raw Docker call has a deadline: a hung daemon fails the run instead of stalling it. */
export const dockerWithDeadline = (...args) =>
  execAsync('/usr/bin/docker', args, { maxBuffer: 16 << 20, timeout: 180_000 });

/** Whatever this run's control plane left behind (a failed run), by its installation label. */
export async function removeInstallation(cp) {
  const id = cp.installation;
  if (id) await removeLabelled(`agentpod.installation=${id}`);
}

/** Containers, then networks, then volumes carrying the label (`key=value`). */
export async function removeLabelled(label) {
  const filter = `label=${label}`;
  const list = async (...args) =>
    (await dockerWithDeadline(...args, '-q', '--filter', filter)).stdout
      .split('\n')
      .filter(Boolean);
  const ids = await list('ps', '-a');
  if (ids.length > 0) await dockerWithDeadline('rm', '-f', '-v', ...ids);
  const nets = await list('network', 'ls');
  if (nets.length > 0) {
    // Docker 20.10 may keep stale endpoints after parallel removals: the network stays until the
    // daemon restarts. Said, not thrown: the figures of the run are what matters here.
    await dockerWithDeadline('network', 'rm', ...nets).catch((err) =>
      console.error(
        `[bench] could not remove networks: ${String(err.stderr ?? err.message).trim()}`,
      ),
    );
  }
  const vols = await list('volume', 'ls');
  if (vols.length > 0) await dockerWithDeadline('volume', 'rm', ...vols);
}

/** `a / b` to two decimals: the figure every comparison with a baseline reports. */
export const ratio = (a, b) => Math.round((a / b) * 100) / 100;

/** A bridge network as AgentPod makes one for a pod: its own subnet, no inter-container traffic. */
export function createBridge(name, subnet, label) {
  return dockerWithDeadline(
    'network',
    'create',
    '--label',
    label,
    '--subnet',
    subnet,
    '-o',
    'com.docker.network.bridge.enable_icc=false',
    name,
  );
}

/** `docker run` with the flags AgentPod's spec gives a stand-in pod: the raw baseline's. */
export function standinRunArgs(image, name, network, label) {
  return [
    'run',
    '-d',
    '--name',
    name,
    '--label',
    label,
    '--network',
    network,
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
  ];
}
