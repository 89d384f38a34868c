import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { readSecrets, type SecretSources } from './secret-input.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpod-secret-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sources(opts: { stdin?: string; interactive?: boolean; answers?: string[] } = {}) {
  const asked: string[] = [];
  const answers = [...(opts.answers ?? [])];
  const s: SecretSources = {
    interactive: opts.interactive ?? false,
    stdin: Readable.from([opts.stdin ?? '']),
    ask: async (prompt) => {
      asked.push(prompt);
      return answers.shift() ?? '';
    },
  };
  return { sources: s, asked };
}

async function usageError(run: Promise<unknown>): Promise<string> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UsageError)) throw new Error(`expected a UsageError, got ${String(err)}`);
  return err.message;
}

describe('readSecrets', () => {
  it('keeps name=value as typed, JSON-looking or not', async () => {
    const got = await readSecrets(['providerApiKey=sk-1=2', 'n=123'], sources().sources);
    expect(got).toEqual({ providerApiKey: 'sk-1=2', n: '123' });
  });

  it('reads name=@file, dropping the one line break echo adds', async () => {
    const file = join(dir, 'key.txt');
    await writeFile(file, 'sk-from-file\n');
    expect(await readSecrets([`providerApiKey=@${file}`], sources().sources)).toEqual({
      providerApiKey: 'sk-from-file',
    });
  });

  it('reads name=- from stdin, once', async () => {
    const got = await readSecrets(['providerApiKey=-'], sources({ stdin: 'sk-stdin\r\n' }).sources);
    expect(got).toEqual({ providerApiKey: 'sk-stdin' });
    const message = await usageError(readSecrets(['a=-', 'b=-'], sources({ stdin: 'x' }).sources));
    expect(message).toBe('only one --secret can be read from stdin (name=-)');
  });

  it('asks on a terminal for a name given alone, and refuses without one', async () => {
    const terminal = sources({ interactive: true, answers: ['sk-typed'] });
    expect(await readSecrets(['providerApiKey'], terminal.sources)).toEqual({
      providerApiKey: 'sk-typed',
    });
    expect(terminal.asked).toEqual(['providerApiKey: ']);
    const message = await usageError(readSecrets(['sk-live-secret'], sources().sources));
    expect(message).toMatch(/^--secret without a value, and no terminal to ask on/);
    expect(message).not.toContain('sk-live-secret');
  });

  it('says which file it cannot read, and never repeats a value', async () => {
    const missing = await usageError(readSecrets(['k=@/nonexistent/key'], sources().sources));
    expect(missing).toBe('--secret k=@/nonexistent/key: cannot read the file (no such file)');
    for (const bad of ['=sk-live-secret', 'sk-live-secret value=x']) {
      const message = await usageError(readSecrets([bad], sources().sources));
      expect(message).toMatch(/^--secret expects name=@file/);
      expect(message).not.toContain('sk-live-secret');
    }
    expect(await usageError(readSecrets(['k='], sources().sources))).toBe(
      '--secret k: the value is empty',
    );
  });
});
