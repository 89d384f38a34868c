import {
  createApiToken,
  findLocalServer,
  listApiTokens,
  loadConfig,
  openConfiguredDatabase,
  revokeApiToken,
  runMigrations,
} from '@agentpod/control-plane';
import { AgentPodClient, type ApiToken } from '@agentpod/shared';
import { Command } from 'commander';
import { say } from '../output.js';

/** What the token commands do, wherever the tokens are. */
interface TokenStore {
  /** Returns the plain token: the only time it is ever shown. */
  create(name: string): Promise<string>;
  list(): Promise<ApiToken[]>;
  revoke(id: string): Promise<void>;
}

/**
 * The token commands are how an operator gets in at all, so they need no API token. A server
 * running on the embedded database holds its folder: they go through its API with the local
 * admin token it left there. Otherwise (no server, or PostgreSQL, which many processes share)
 * they work on the database directly.
 */
async function withTokens<T>(fn: (store: TokenStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const server = config.databaseUrl ? undefined : findLocalServer(config.dataDir);
  if (server) {
    const client = new AgentPodClient({ baseUrl: server.url, token: server.token });
    return fn({
      create: async (name) => (await client.tokens.create({ name })).token,
      list: async () => (await client.tokens.list()).items,
      revoke: (id) => client.tokens.revoke(id),
    });
  }
  const db = await openConfiguredDatabase(config);
  try {
    await runMigrations(db);
    return await fn({
      create: async (name) => (await createApiToken(db.db, name)).token,
      list: () => listApiTokens(db.db),
      revoke: (id) => revokeApiToken(db.db, id),
    });
  } finally {
    await db.close();
  }
}

export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an admin API token and print it (it is shown only once)')
    .option('--name <name>', 'a label to tell tokens apart', 'cli')
    .action(async (opts: { name: string }) => {
      say(await withTokens((tokens) => tokens.create(opts.name)));
    });
  token
    .command('list')
    .description('list API tokens (never their values)')
    .action(async () => {
      for (const t of await withTokens((tokens) => tokens.list())) {
        const state = t.revokedAt
          ? `revoked ${t.revokedAt}`
          : `last used ${t.lastUsedAt ?? 'never'}`;
        say(`${t.id}  ${t.prefix}…  ${t.name}  created ${t.createdAt}  ${state}`);
      }
    });
  token
    .command('revoke <id>')
    .description('revoke an API token by id')
    .action(async (id: string) => {
      await withTokens((tokens) => tokens.revoke(id));
      say(`revoked ${id}`);
    });
  return token;
}
