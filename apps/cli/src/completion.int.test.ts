// The completion scripts in the shells they are for, calling the built `agentpod` from PATH as
// a user's shell does. zsh's `compadd` only works inside a completion widget, so there it is a
// function that prints what it was given; everything else is real zsh.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './testing/harness.js';

let bin: string;
beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'agentpod-completion-'));
  writeFileSync(join(bin, 'agentpod'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'agentpod'), 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function shell(name: 'bash' | 'zsh', script: string): string[] {
  const r = spawnSync(name, ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    timeout: 30_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('agentpod completion', () => {
  it('completes commands, options and choices in bash', () => {
    const complete = (...words: string[]) =>
      shell(
        'bash',
        `source <(agentpod completion bash)
COMP_WORDS=(agentpod ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}
_agentpod; printf '%s\\n' "\${COMPREPLY[@]}"`,
      );
    expect(complete('pod', 'cr')).toEqual(['create']);
    expect(complete('pod', 'restart', 'pod_x', '--')).toEqual(
      expect.arrayContaining(['--wait', '--timeout', '--json', '--context']),
    );
    expect(complete('pod', 'list', '--phase', 'fa')).toEqual(['failed']);
  });

  it('completes in zsh', () => {
    const out = shell(
      'zsh',
      `compdef() { : }
compadd() { [[ $1 == -a ]] && print -l -- \${(P)2} }
source <(agentpod completion zsh)
words=(agentpod context u); CURRENT=3; _agentpod`,
    );
    expect(out).toEqual(['use']);
  });

  it('refuses a shell it has no script for', () => {
    const r = spawnSync(process.execPath, [BIN, 'completion', 'fish'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      "agentpod: command-argument value 'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.",
    );
  });
});
