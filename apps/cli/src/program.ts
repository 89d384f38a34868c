// The `agentpod` command tree: every command and its options, in one place.
import { Command } from 'commander';
import { connectionOptions } from './api-command.js';
import { auditCommand } from './commands/audit.js';
import { completionCommands } from './commands/completion.js';
import { contextCommand } from './commands/context.js';
import { doctorCommand } from './commands/doctor.js';
import { healthCommand } from './commands/health.js';
import { migrateCommand } from './commands/migrate.js';
import { podCommand } from './commands/pod.js';
import { proxyCommand } from './commands/proxy.js';
import { registryCommand } from './commands/registry.js';
import { serverCommand } from './commands/server.js';
import { tenantCommand } from './commands/tenant.js';
import { tokenCommand } from './commands/token.js';

/** The whole command tree; main.ts parses the command line with it. */
export function buildProgram(): Command {
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
    healthCommand(),
    doctorCommand(),
    registryCommand(),
    proxyCommand(),
    auditCommand(),
    contextCommand(),
    ...completionCommands(program),
  ]) {
    program.addCommand(command, { hidden: command.name().startsWith('__') });
    inheritSettings(command, program);
  }
  return program;
}

/** `addCommand` copies no settings: give every command the program's error output. */
function inheritSettings(command: Command, parent: Command): void {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inheritSettings(sub, command);
}
