// Running a command inside a pod's container (adapter actions, in-container probes) and getting
// back its exit code and output.
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerError } from './errors.js';
import type { DockerHost } from './host.js';
import { FrameParser } from './logs.js';

export interface ExecOptions {
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  /** Deadline for the whole run; the default is the host's. */
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * On timeout this throws DockerTimeoutError and closes our end, but the process inside keeps
 * running: the Engine API has no way to kill an exec.
 */
export async function execInContainer(
  host: DockerHost,
  id: string,
  cmd: string[],
  { env, user, workingDir, timeoutMs }: ExecOptions = {},
): Promise<ExecResult> {
  return host.call(
    'container.exec',
    async (signal) => {
      const exec = await host.docker.getContainer(id).exec({
        Cmd: cmd,
        Env: env && Object.entries(env).map(([key, value]) => `${key}=${value}`),
        User: user,
        WorkingDir: workingDir,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        abortSignal: signal,
      });
      // hijack: the daemon upgrades the connection and hands us the raw multiplexed socket.
      const socket = (await exec.start({
        hijack: true,
        stdin: false,
        Detach: false,
        Tty: false,
        abortSignal: signal,
      })) as Duplex;
      const output = await collect(socket, signal);
      return { exitCode: await exitCode(exec, signal), ...output };
    },
    timeoutMs,
  );
}

async function collect(socket: Duplex, signal: AbortSignal) {
  const parser = new FrameParser();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  await new Promise<void>((resolve, reject) => {
    // An upgraded socket is no longer tied to the request's signal: close it ourselves.
    const abort = () => socket.destroy(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    const done = (err?: Error) => {
      signal.removeEventListener('abort', abort);
      if (err) reject(err);
      else resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of parser.push(chunk)) chunks[frame.stream].push(frame.payload);
      } catch (err) {
        socket.destroy(err as Error);
      }
    });
    socket.on('end', () => done());
    socket.on('error', done);
    socket.on('close', () => done(signal.aborted ? (signal.reason as Error) : undefined));
  });
  return {
    stdout: Buffer.concat(chunks.stdout).toString('utf8'),
    stderr: Buffer.concat(chunks.stderr).toString('utf8'),
  };
}

/**
 * The output stream can close a moment before the daemon records the exit, so inspect may still
 * say Running with no exit code; ask again briefly (bounded by the call's deadline).
 */
async function exitCode(
  exec: { inspect(options: { abortSignal: AbortSignal }): Promise<ExecInspect> },
  signal: AbortSignal,
): Promise<number> {
  for (;;) {
    const info = await exec.inspect({ abortSignal: signal });
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
    if (!info.Running)
      throw new DockerError('container.exec', 'exec finished without an exit code');
    await sleep(50, undefined, { signal });
  }
}

interface ExecInspect {
  Running: boolean;
  ExitCode: number | null;
}
