#!/usr/bin/env node
import { Command } from 'commander';
import { migrateCommand } from './commands/migrate.js';
import { serverCommand } from './commands/server.js';
import { tokenCommand } from './commands/token.js';
import { fail } from './output.js';

const program = new Command()
  .name('agentpod')
  .description('AgentPod: a self-hosted control plane for AI agents on Docker')
  .version('0.1.0')
  .showHelpAfterError()
  .configureOutput({
    outputError: (text, write) => write(`agentpod: ${text.replace(/^error: /, '')}`),
  });

program.addCommand(serverCommand());
program.addCommand(migrateCommand());
program.addCommand(tokenCommand());

program.parseAsync(process.argv).catch(fail);
