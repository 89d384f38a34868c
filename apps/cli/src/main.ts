#!/usr/bin/env node
import { Command } from 'commander';
import { connectionOptions } from './api-command.js';
import { auditCommand } from './commands/audit.js';
import { migrateCommand } from './commands/migrate.js';
import { podCommand } from './commands/pod.js';
import { proxyCommand } from './commands/proxy.js';
import { registryCommand } from './commands/registry.js';
import { serverCommand } from './commands/server.js';
import { tenantCommand } from './commands/tenant.js';
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
for (const option of connectionOptions()) program.addOption(option);

for (const command of [
  serverCommand(),
  migrateCommand(),
  tokenCommand(),
  tenantCommand(),
  podCommand(),
  registryCommand(),
  proxyCommand(),
  auditCommand(),
]) {
  program.addCommand(command);
  inheritSettings(command, program);
}

program.parseAsync(process.argv).catch(fail);

/** `addCommand` copies no settings: give every command the program's error output. */
function inheritSettings(command: Command, parent: Command): void {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inheritSettings(sub, command);
}
