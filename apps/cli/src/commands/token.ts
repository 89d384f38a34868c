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
import { Command, InvalidArgumentError } from 'commander';
import { examples, say } from '../output.js';

/** What the token commands do, wherever the tokens are. */
interface TokenStore {
  /** Returns the plain token: the only time it is ever shown. */
  create(name: string, expiresInDays: number | undefined): Promise<string>;
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
      create: async (name, expiresInDays) =>
        (await client.tokens.create({ name, ...(expiresInDays && { expiresInDays }) })).token,
      list: async () => (await client.tokens.list()).items,
      revoke: (id) => client.tokens.revoke(id),
    });
  }
  const db = await openConfiguredDatabase(config);
  try {
    await runMigrations(db);
    return await fn({
      create: async (name, days) =>
        (await createApiToken(db.db, name, { expiresAt: days ? expiryIn(days) : undefined })).token,
      list: () => listApiTokens(db.db),
      revoke: (id) => revokeApiToken(db.db, id),
    });
  } finally {
    await db.close();
  }
}

/** `30d` or `30`: whole days, as the API takes them. */
export function parseDays(text: string): number {
  const match = /^(\d{1,4})d?$/.exec(text.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  if (!(days >= 1 && days <= 3650))
    throw new InvalidArgumentError('give a number of days from 1 to 3650, like 30d');
  return days;
}

function expiryIn(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}

export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an admin API token and print it (it is shown only once)')
    .option('--name <name>', 'a label to tell tokens apart', 'cli')
    .option('--expires-in <days>', 'expire the token after this many days (30d, 90d)', parseDays)
    .addHelpText('after', examples('agentpod token create --name ci --expires-in 90d'))
    .action(async (opts: { name: string; expiresIn?: number }) => {
      say(await withTokens((tokens) => tokens.create(opts.name, opts.expiresIn)));
    });
  token
    .command('list')
    .description('list API tokens (never their values)')
    .addHelpText('after', examples('agentpod token list'))
    .action(async () => {
      for (const t of await withTokens((tokens) => tokens.list())) {
        const state = t.revokedAt
          ? `revoked ${t.revokedAt}`
          : `last used ${t.lastUsedAt ?? 'never'}`;
        const expiry = t.expiresAt
          ? `  ${Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'expires'} ${t.expiresAt}`
          : '';
        say(`${t.id}  ${t.prefix}…  ${t.name}  created ${t.createdAt}  ${state}${expiry}`);
      }
    });
  token
    .command('revoke <id>')
    .description('revoke an API token by id')
    .addHelpText('after', examples('agentpod token revoke tok_…'))
    .action(async (id: string) => {
      await withTokens((tokens) => tokens.revoke(id));
      say(`revoked ${id}`);
    });
  return token;
}
