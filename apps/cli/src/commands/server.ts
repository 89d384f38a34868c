import { createLogger, loadConfig, startServer } from '@agentpod/control-plane';
import { Command } from 'commander';
import { examples, fail } from '../output.js';

export function serverCommand(): Command {
  return new Command('server')
    .description(
      'run the control plane (API, reconciler) on the configured database and Docker host',
    )
    .addHelpText(
      'after',
      examples(
        'agentpod server',
        'DATABASE_URL=postgres://agentpod@db/agentpod AGENTPOD_BASE_DOMAIN=agents.example.com agentpod server',
      ),
    )
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      // A promise nobody awaited is a bug, but one in a side path: taking every tenant's API
      // down for it would be worse. A thrown exception may have left any state half-changed.
      process.on('unhandledRejection', (reason) => {
        logger.error(
          { err: reason },
          'unhandled rejection (a bug; the control plane keeps running)',
        );
      });
      process.on('uncaughtException', (err) => {
        logger.fatal({ err }, 'uncaught exception; exiting');
        process.exit(1);
      });
      const server = await startServer(config, logger, {
        announce: (line) => process.stderr.write(`agentpod: ${line}\n`),
      });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down');
        // Work still running at the deadline is cut off as by a crash, which the next leader's
        // reconcile repairs; a shutdown that never ends would only delay that.
        setTimeout(() => {
          logger.error(
            { deadlineMs: config.shutdownTimeoutMs },
            'shutdown deadline passed; exiting with work still running',
          );
          process.exit(1);
        }, config.shutdownTimeoutMs).unref();
        server.close().then(() => {
          logger.info('shut down cleanly');
          process.exit(0);
        }, fail);
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
