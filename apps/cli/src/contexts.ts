// Contexts: named control planes with their tokens, in one TOML file only its owner can read
// (`~/.config/agentpod/config.toml`, mode 0600), as kubectl keeps its kubeconfig. A flag wins
// over the environment, which wins over the context, which wins over the default URL.
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { z } from 'zod';
import { UsageError } from './errors.js';

export const ContextName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be lowercase letters, digits, ".", "_" or "-"');

const Context = z.strictObject({
  url: z.string().regex(/^https?:\/\/[^/]/, 'must be an http(s) URL'),
  token: z.string().min(1),
});
export type Context = z.infer<typeof Context>;

const ConfigFile = z.strictObject({
  current: z.string().optional(),
  contexts: z.record(z.string(), Context).default({}),
});
type ConfigFile = z.infer<typeof ConfigFile>;

/** `AGENTPOD_CONFIG`, else `$XDG_CONFIG_HOME/agentpod/config.toml`, else under `~/.config`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AGENTPOD_CONFIG) return env.AGENTPOD_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'agentpod', 'config.toml');
}

export class ContextStore {
  constructor(readonly path: string) {}

  /** The file's contexts; none when there is no file yet. */
  read(): ConfigFile {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: {} };
      throw new UsageError(`cannot read ${this.path}: ${(err as Error).message}`);
    }
    this.#refuseIfShared();
    let data: unknown;
    try {
      data = parse(text);
    } catch (err) {
      const where = err instanceof TomlError ? ` (line ${err.line})` : '';
      throw new UsageError(`${this.path} is not valid TOML${where}: fix or remove it`);
    }
    const parsed = ConfigFile.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(
        `${this.path}: ${issue?.path.join('.') || 'file'} ${issue?.message ?? 'is not understood'}`,
      );
    }
    return parsed.data;
  }

  add(name: string, context: Context): void {
    const file = this.read();
    file.contexts[name] = context;
    file.current ??= name;
    this.#write(file);
  }

  use(name: string): void {
    const file = this.read();
    this.#known(file, name);
    file.current = name;
    this.#write(file);
  }

  remove(name: string): void {
    const file = this.read();
    this.#known(file, name);
    delete file.contexts[name];
    if (file.current === name) delete file.current;
    this.#write(file);
  }

  /** The named context, or the current one; undefined when none is chosen. */
  resolve(name: string | undefined): (Context & { name: string }) | undefined {
    const file = this.read();
    const chosen = name ?? file.current;
    if (chosen === undefined) return undefined;
    return { name: chosen, ...this.#known(file, chosen) };
  }

  #known(file: ConfigFile, name: string): Context {
    const context = file.contexts[name];
    if (!context) {
      const names = Object.keys(file.contexts);
      throw new UsageError(
        `no context "${name}" in ${this.path}${names.length > 0 ? ` (there are: ${names.join(', ')})` : ''}: add it with \`agentpod context add ${name} --server …\``,
      );
    }
    return context;
  }

  /** Tokens are in it: like ssh with its keys, refuse a file others may read. */
  #refuseIfShared(): void {
    const mode = statSync(this.path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new UsageError(
        `${this.path} holds tokens but others may read it (mode ${mode.toString(8)}): run chmod 600 ${this.path}`,
      );
    }
  }

  /** Whole or not at all: a new file, then a rename over the old one. */
  #write(file: ConfigFile): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const header =
      '# AgentPod CLI contexts: written by `agentpod context`; holds tokens (mode 0600).\n';
    writeFileSync(temporary, header + stringify(file), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }
}
