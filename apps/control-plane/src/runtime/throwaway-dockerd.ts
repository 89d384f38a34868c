// Test support: a second Docker daemon of the test's own, beside the shared one, for faults the
// shared daemon must never suffer (a restart, a `kill -STOP`). It has its own socket, data root,
// exec root (so its own managed containerd) and a default bridge of its own; `--iptables=false`
// keeps its per-pod bridges out of the host's firewall, so the shared daemon's rules are never
// touched (the host reaches a container on a bridge by plain routing, which is all the prober
// needs). Never `--bridge none`: a daemon started so deletes the host's `docker0`, which is the
// shared daemon's (moby's removeDefaultBridgeInterface), and every `docker run` on the default
// network fails afterwards.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { DockerHost } from './host.js';
import { eventually } from './testing.js';

const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export class ThrowawayDockerd {
  private child: ChildProcess | undefined;
  private frozen = false;
  readonly socketPath: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  private readonly pidFile: string;
  private readonly logFile: string;
  /** Its default bridge, made by the harness (at most 15 characters). */
  private readonly bridge: string;

  private constructor(readonly name: string) {
    this.socketPath = `/run/${name}.sock`;
    this.dataRoot = `/var/lib/${name}`;
    // Short: containerd's sockets live under it and a unix socket path has a 108-byte limit.
    this.execRoot = `/run/${name}`;
    this.pidFile = `/run/${name}.pid`;
    this.logFile = `/tmp/${name}.log`;
    this.bridge = `aptd${name.slice(-6)}`;
  }

  /** Starts a daemon named `aptest-dockerd-<random>` and gives it `images` from the shared one. */
  static async start(
    opts: { images?: string[]; sharedHost?: string } = {},
  ): Promise<ThrowawayDockerd> {
    const daemon = new ThrowawayDockerd(`aptest-dockerd-${randomBytes(3).toString('hex')}`);
    try {
      await daemon.startDaemon();
      for (const image of opts.images ?? []) daemon.loadImage(image, opts.sharedHost);
      return daemon;
    } catch (err) {
      await daemon.remove();
      throw err;
    }
  }

  /** DOCKER_HOST for this daemon. */
  get url(): string {
    return `unix://${this.socketPath}`;
  }

  host(timeoutMs = 30_000): DockerHost {
    return new DockerHost({ kind: 'unix', socketPath: this.socketPath }, { timeoutMs });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts dockerd (again, on the same data root) and waits until it answers. */
  async startDaemon(): Promise<void> {
    this.ensureBridge();
    mkdirSync(this.dataRoot, { recursive: true });
    mkdirSync(this.execRoot, { recursive: true });
    const log = openSync(this.logFile, 'a');
    this.child = spawn(
      'dockerd',
      [
        '--host',
        this.url,
        '--data-root',
        this.dataRoot,
        '--exec-root',
        this.execRoot,
        '--pidfile',
        this.pidFile,
        '--bridge',
        this.bridge,
        '--iptables=false',
        '--ip-masq=false',
        // Its own containerd namespaces, should it ever find a system containerd to share.
        '--containerd-namespace',
        this.name,
        '--containerd-plugins-namespace',
        `${this.name}-plugins`,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const child = this.child;
    await eventually(
      `the throwaway dockerd ${this.name} to answer`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`dockerd exited with ${child.exitCode}: ${this.tailLog()}`);
        }
        await this.host(2_000).ping();
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }

  /** SIGTERM, as a service manager stops it; resolves once the process is gone. */
  async stopDaemon(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (this.frozen) this.thaw();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  async restart(): Promise<void> {
    await this.stopDaemon();
    await this.startDaemon();
  }

  /** The daemon stops answering (its containers and containerd keep running). */
  freeze(): void {
    if (!this.child?.pid) throw new Error('the throwaway dockerd is not running');
    const pid = this.child.pid;
    process.kill(pid, 'SIGSTOP');
    this.frozen = true;
    // The stop reaches every thread asynchronously: return once all of them are stopped.
    const deadline = Date.now() + 10_000;
    while (!this.allThreadsStopped(pid)) {
      if (Date.now() > deadline) throw new Error(`dockerd ${pid} did not stop`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }

  private allThreadsStopped(pid: number): boolean {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The state is the field after the parenthesised command name.
      return /\)\s+[Tt]\s/.test(stat);
    });
  }

  thaw(): void {
    if (this.child?.pid) process.kill(this.child.pid, 'SIGCONT');
    this.frozen = false;
  }

  /** `docker save | docker load`: the shared daemon's image, with its id, on this one. */
  loadImage(image: string, sharedHost = process.env.AGENTPOD_TEST_DOCKER_HOST): void {
    const from = sharedHost ? `-H '${sharedHost}' ` : '';
    execFileSync(
      'sh',
      ['-c', `${DOCKER_CLI} ${from}save '${image}' | ${DOCKER_CLI} -H '${this.url}' load -q`],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 },
    );
  }

  /** Runs the Docker CLI against this daemon (tests' own actions: kill, inspect). */
  cli(...args: string[]): string {
    return execFileSync(DOCKER_CLI, ['-H', this.url, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  /** Removes everything: its containers and networks, the daemon, leftover mounts, the dirs. */
  async remove(): Promise<void> {
    if (this.frozen) this.thaw();
    if (this.child && this.child.exitCode === null) {
      try {
        // Tidy first, so no bridge interface or veth outlives the daemon.
        const ids = this.cli('ps', '-aq').split('\n').filter(Boolean);
        if (ids.length > 0) this.cli('rm', '-f', ...ids);
        this.cli('network', 'prune', '-f');
      } catch {
        // A daemon that cannot tidy up is stopped and swept from the disk below anyway.
      }
    }
    await this.stopDaemon();
    this.killManagedContainerd();
    for (const mount of this.leftoverMounts()) {
      try {
        execFileSync('umount', ['-l', mount]);
      } catch {
        // Already gone.
      }
    }
    try {
      execFileSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' });
    } catch {
      // Never made, or already gone.
    }
    for (const path of [
      this.dataRoot,
      this.execRoot,
      this.socketPath,
      this.pidFile,
      this.logFile,
    ]) {
      rmSync(path, { recursive: true, force: true });
    }
  }

  /** A bridge for `--bridge`: dockerd uses one that exists as it is, and never deletes it. */
  private ensureBridge(): void {
    if (existsSync(`/sys/class/net/${this.bridge}`)) return;
    // A /24 in 10.248.0.0/16, which no test's pod pool uses.
    const subnet = `10.248.${Number.parseInt(this.name.slice(-2), 16)}`;
    execFileSync('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', this.bridge]);
    execFileSync('ip', ['link', 'set', this.bridge, 'up']);
  }

  private killManagedContainerd(): void {
    const pidFile = join(this.execRoot, 'containerd', 'containerd.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return;
    try {
      // Only if it is really this daemon's containerd (the pid may have been reused).
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(this.execRoot)) process.kill(pid, 'SIGKILL');
    } catch {
      // Not running.
    }
  }

  private leftoverMounts(): string[] {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(this.dataRoot) || m.startsWith(this.execRoot))
      .sort((a, b) => b.length - a.length);
  }

  private tailLog(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-2_000);
    } catch {
      return '(no log)';
    }
  }
}
