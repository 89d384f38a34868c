import { loadConfig, openConfiguredDatabase, runMigrations } from '@agentpod/control-plane';
import { Command } from 'commander';
import { examples, say } from '../output.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations and exit (the server also does this at start)')
    .addHelpText('after', examples('DATABASE_URL=postgres://agentpod@db/agentpod agentpod migrate'))
    .action(async () => {
      const db = await openConfiguredDatabase(loadConfig());
      try {
        const { applied } = await runMigrations(db);
        say(
          applied > 0
            ? `applied ${applied} migration(s) to ${db.description}`
            : `${db.description} is up to date`,
        );
      } finally {
        await db.close();
      }
    });
}
