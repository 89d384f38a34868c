// What the commands that go through the REST API share: where to connect, with which token,
// and `--json`. (`server` and `migrate` work on the database; `token` on it or the local server.)
import { AgentPodClient } from '@agentpod/shared';
import { type Command, Option } from 'commander';
import { ContextStore, configPath } from './contexts.js';
import { UsageError } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/**
 * Global options: a flag wins over its environment variable, which wins over the context
 * (`--context`, else the current one of `agentpod context use`), which wins over the default.
 */
export function connectionOptions(): Option[] {
  return [
    new Option(
      '--url <url>',
      `the control plane URL (default: the context's, or ${DEFAULT_URL})`,
    ).env('AGENTPOD_URL'),
    new Option(
      '--token <token>',
      'an API token (prefer a context or the variable: flags show in ps)',
    ).env('AGENTPOD_TOKEN'),
    new Option('--context <name>', 'a context of `agentpod context list`').env('AGENTPOD_CONTEXT'),
  ];
}

export const JSON_HELP = 'print JSON (the API objects) instead of text';

/** A subcommand of `parent` that calls the API and can print its answer as JSON. */
export function apiCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent.command(nameAndArgs).description(description).option('--json', JSON_HELP);
}

export interface Connection {
  client: AgentPodClient;
  json: boolean;
}

export function connect(command: Command): Connection {
  const opts = command.optsWithGlobals<{
    url?: string;
    token?: string;
    context?: string;
    json?: boolean;
  }>();
  // A context only fills in what neither a flag nor the environment gave.
  const context =
    opts.url && opts.token ? undefined : new ContextStore(configPath()).resolve(opts.context);
  // An empty variable (AGENTPOD_URL=) is no value, as in a shell.
  const url = opts.url || context?.url || DEFAULT_URL;
  const token = opts.token || context?.token;
  if (!token) {
    throw new UsageError(
      'no API token: add a context (`agentpod context add`), set AGENTPOD_TOKEN or pass --token (create one with `agentpod token create`)',
    );
  }
  if (!/^https?:\/\/[^/]/.test(url) || !URL.canParse(url)) {
    const from = opts.url ? 'AGENTPOD_URL / --url' : `the URL of context "${context?.name}"`;
    throw new UsageError(`${from} must be like ${DEFAULT_URL}, got "${url}"`);
  }
  return { client: new AgentPodClient({ baseUrl: url, token }), json: opts.json === true };
}

/** Every item of a paged list, following `nextCursor` to the end. */
export async function allItems<T>(
  page: (query: { limit: number; cursor?: string }) => Promise<{
    items: T[];
    nextCursor: string | null;
  }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page({ limit: 200, ...(cursor && { cursor }) });
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
