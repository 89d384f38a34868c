import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { complete } from './commands/completion.js';
import { buildProgram } from './program.js';

/** Every command a user can run: the leaves of the tree, without the hidden ones. */
function runnable(command: Command, path: string[] = []): [string, Command][] {
  const visible = command.commands.filter((c) => !c.name().startsWith('__'));
  if (visible.length === 0) return [[path.join(' '), command]];
  return visible.flatMap((c) => runnable(c, [...path, c.name()]));
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

describe('the agentpod command tree', () => {
  it('shows an example in the --help of every command', () => {
    const commands = runnable(buildProgram());
    expect(commands.length).toBeGreaterThan(30);
    const without = commands.filter(([, c]) => !/\nExamples?:\n {2}.*agentpod/.test(helpOf(c)));
    expect(without.map(([path]) => path)).toEqual([]);
  });
});

describe('complete (shell completion)', () => {
  const program = buildProgram();

  it('offers the commands and subcommands that start with what is typed', () => {
    expect(complete(program, ['po'])).toEqual(['pod']);
    expect(complete(program, ['pod', 'st'])).toEqual(['start', 'stats', 'stop']);
    expect(complete(program, [''])).not.toContain('__complete');
  });

  it("offers the command's options and the global ones, and an option's choices", () => {
    expect(complete(program, ['pod', 'create', '--w'])).toEqual(['--wait']);
    expect(complete(program, ['pod', 'create', '--tenant', 'ten_1', '--co'])).toEqual([
      '--config',
      '--context',
    ]);
    expect(complete(program, ['pod', 'list', '--phase', 'st'])).toEqual([
      'starting',
      'stopped',
      'stopping',
    ]);
    // The value of an option is not a command: `--tenant pod` does not enter `pod`.
    expect(complete(program, ['health', '--tenant', 'pod', ''])).toEqual([]);
  });
});
