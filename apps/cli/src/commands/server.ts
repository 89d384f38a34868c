import { createLogger, loadConfig, startServer } from '@agentpod/control-plane';
import { Command } from 'commander';
import { fail } from '../output.js';

export function serverCommand(): Command {
  return new Command('server')
    .description(
      'run the control plane (API, reconciler) on the configured database and Docker host',
    )
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const server = await startServer(config, logger, {
        announce: (line) => process.stderr.write(`agentpod: ${line}\n`),
      });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        server.close().then(() => process.exit(0), fail);
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
