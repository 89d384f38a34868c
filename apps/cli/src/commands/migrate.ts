import {
  ensureDataDir,
  loadConfig,
  openDatabase,
  pgliteDirFor,
  runMigrations,
} from '@agentpod/control-plane';
import { Command } from 'commander';
import { say } from '../output.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations and exit (the server also does this at start)')
    .action(async () => {
      const config = loadConfig();
      if (!config.databaseUrl) ensureDataDir(config.dataDir);
      const db = await openDatabase(
        config.databaseUrl
          ? { url: config.databaseUrl }
          : { pgliteDir: pgliteDirFor(config.dataDir) },
      );
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
