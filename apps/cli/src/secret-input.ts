// Where a `--secret` value comes from, so it need never be on the command line (where `ps` and
// the shell's history keep it): `name=@file`, `name=-` (stdin), or `name` alone to be asked on a
// terminal without echo. `name=value` still works for those who insist.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { read } from 'read';
import { UsageError } from './errors.js';

export interface SecretSources {
  /** Whether a person can be asked (stdin and stderr are a terminal). */
  interactive: boolean;
  stdin: NodeJS.ReadableStream;
  /** Asks for one value without echoing it. */
  ask: (prompt: string) => Promise<string>;
}

export const terminalSources = (): SecretSources => ({
  interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
  stdin: process.stdin,
  ask: (prompt) => read({ prompt, silent: true, replace: '', output: process.stderr }),
});

/**
 * The secrets `--secret` assignments name, with their values read. A value read from a file or
 * stdin loses one trailing line break (`echo sk-… > key.txt` writes one). No value is ever
 * repeated in an error, nor an argument without `=`: a mistyped `--secret` may be the value alone.
 */
export async function readSecrets(
  assignments: string[],
  sources: SecretSources,
): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  let stdinTaken = false;
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const name = eq === -1 ? assignment : assignment.slice(0, eq);
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/.test(name)) {
      throw new UsageError(
        '--secret expects name=@file, name=- (stdin), name alone to be asked, or name=value (not shown here)',
      );
    }
    const value = eq === -1 ? undefined : assignment.slice(eq + 1);
    if (value === undefined) {
      if (!sources.interactive) {
        // Not named: a `--secret` without `=` may be a value typed alone.
        throw new UsageError(
          '--secret without a value, and no terminal to ask on: use name=@file or name=- (stdin) (the argument is not shown here)',
        );
      }
      secrets[name] = await sources.ask(`${name}: `);
    } else if (value === '-') {
      if (stdinTaken) throw new UsageError('only one --secret can be read from stdin (name=-)');
      stdinTaken = true;
      secrets[name] = chomp(await text(sources.stdin));
    } else if (value.startsWith('@')) {
      secrets[name] = chomp(await readSecretFile(name, value.slice(1)));
    } else {
      secrets[name] = value;
    }
    if (secrets[name] === '') throw new UsageError(`--secret ${name}: the value is empty`);
  }
  return secrets;
}

async function readSecretFile(name: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`--secret ${name}=@${path}: cannot read the file (${why})`);
  }
}

function chomp(value: string): string {
  return value.replace(/\r?\n$/, '');
}
