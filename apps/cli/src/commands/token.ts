import {
  createApiToken,
  type DatabaseHandle,
  listApiTokens,
  loadConfig,
  openConfiguredDatabase,
  revokeApiToken,
  runMigrations,
} from '@agentpod/control-plane';
import { Command } from 'commander';
import { say } from '../output.js';

/** Token commands work on the database directly: they are how an operator gets in at all. */
async function withDatabase<T>(fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(loadConfig());
  try {
    await runMigrations(db);
    return await fn(db);
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
      await withDatabase(async (db) => {
        const { token: plain } = await createApiToken(db.db, opts.name);
        say(plain);
      });
    });
  token
    .command('list')
    .description('list API tokens (never their values)')
    .action(async () => {
      await withDatabase(async (db) => {
        for (const t of await listApiTokens(db.db)) {
          const state = t.revokedAt
            ? `revoked ${t.revokedAt}`
            : `last used ${t.lastUsedAt ?? 'never'}`;
          say(`${t.id}  ${t.prefix}…  ${t.name}  created ${t.createdAt}  ${state}`);
        }
      });
    });
  token
    .command('revoke <id>')
    .description('revoke an API token by id')
    .action(async (id: string) => {
      await withDatabase(async (db) => {
        await revokeApiToken(db.db, id);
        say(`revoked ${id}`);
      });
    });
  return token;
}
