import { AgentPodError } from '@agentpod/control-plane';
import { ApiError } from '@agentpod/shared';
import { CommandFailed, UsageError } from './errors.js';

/**
 * Every failure ends as one line on stderr and a non-zero exit: the message of a known error
 * already says what to do. AGENTPOD_DEBUG=1 adds the stack for bug reports.
 */
export function fail(err: unknown): never {
  process.stderr.write(`agentpod: ${oneLine(failureMessage(err))}\n`);
  if (process.env.AGENTPOD_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

function failureMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.errors.map((e) => `${e.path} ${e.message}`).join('; ');
    return `${err.detail}${fields ? `: ${fields}` : ''} (${err.code})`;
  }
  if (err instanceof AgentPodError || err instanceof UsageError || err instanceof CommandFailed)
    return err.message;
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** `--json` output: the API's response as it came, for scripts. */
export function printJson(value: unknown): void {
  say(JSON.stringify(value, null, 2));
}

/** A command's answer: with `--json` the API's object, else the text for people. */
export function answer(json: boolean, value: unknown, text: () => string): void {
  if (json) printJson(value);
  else say(text());
}

/** The text after a command's --help: how it is called, one line per example. */
export function examples(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}
