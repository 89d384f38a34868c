// What the commands that go through the REST API share: where to connect, with which token,
// and `--json`. (`server` and `migrate` work on the database; `token` on it or the local server.)
import { AgentPodClient } from '@agentpod/shared';
import { type Command, Option } from 'commander';
import { UsageError } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Global options: a flag wins over the environment variable, which wins over the default. */
export function connectionOptions(): Option[] {
  return [
    new Option('--url <url>', 'the control plane URL').env('AGENTPOD_URL').default(DEFAULT_URL),
    new Option('--token <token>', 'an API token (prefer the variable: flags show in ps)').env(
      'AGENTPOD_TOKEN',
    ),
  ];
}

/** A subcommand of `parent` that calls the API and can print its answer as JSON. */
export function apiCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .option('--json', 'print JSON (the API objects) instead of text');
}

export interface Connection {
  client: AgentPodClient;
  json: boolean;
}

export function connect(command: Command): Connection {
  const opts = command.optsWithGlobals<{ url: string; token?: string; json?: boolean }>();
  if (!opts.token) {
    throw new UsageError(
      'no API token: set AGENTPOD_TOKEN or pass --token (create one with `agentpod token create`)',
    );
  }
  if (!/^https?:\/\/[^/]/.test(opts.url) || !URL.canParse(opts.url)) {
    throw new UsageError(`AGENTPOD_URL / --url must be like ${DEFAULT_URL}, got "${opts.url}"`);
  }
  return {
    client: new AgentPodClient({ baseUrl: opts.url, token: opts.token }),
    json: opts.json === true,
  };
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
