// Harness for end-to-end tests: the built `agentpod` binary as a child process and a typed
// little API client. Caddy and scratch databases come from routing/ and db/ test support.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export { createScratchDatabase } from '../db/testing.js';
export { CaddyProcess, httpsGet } from '../routing/testing.js';

export const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

/** `agentpod server` as a user runs it, killable like a crashed process. */
export class ControlPlaneProcess {
  private child: ChildProcess | undefined;
  url = '';
  token = '';
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm build first`);
    // A restart prints a new URL (and no new token): read only this run's output.
    this.output = '';
    const child = spawn(process.execPath, [CLI, 'server'], {
      env: { ...process.env, AGENTPOD_PORT: '0', AGENTPOD_LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-50_000);
        const token = /shown only this once: (ap_[\w-]+)/.exec(this.output)?.[1];
        if (token) this.token = token;
        const url = /"url":"(http:\/\/[^"]+)","msg":"control plane listening"/.exec(
          this.output,
        )?.[1];
        if (url) resolve(url);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) =>
        reject(new Error(`control plane exited with ${code}: ${this.output.slice(-2000)}`)),
      );
    });
  }

  /** SIGKILL: no shutdown hooks, exactly like a crash or an OOM kill. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  async api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }
}
