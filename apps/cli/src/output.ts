import { AgentPodError } from '@agentpod/control-plane';

/**
 * Every failure ends as one line on stderr and a non-zero exit: the message of a known error
 * already says what to do. AGENTPOD_DEBUG=1 adds the stack for bug reports.
 */
export function fail(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  const prefix = err instanceof AgentPodError ? '' : 'unexpected error: ';
  process.stderr.write(`agentpod: ${prefix}${message}\n`);
  if (process.env.AGENTPOD_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
