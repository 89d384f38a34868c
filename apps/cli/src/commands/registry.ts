import type { RegistryCredential } from '@agentpod/shared';
import { Command } from 'commander';
import { apiCommand, connect } from '../api-command.js';
import { UsageError } from '../errors.js';
import { answer, examples, say } from '../output.js';
import { formatTable, formatTime } from '../table.js';

/** The whole of standard input, without the trailing newline `echo` adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registryCommand(): Command {
  const registry = new Command('registry').description(
    'credentials for private image registries (the password is stored encrypted, never shown)',
  );
  apiCommand(
    registry,
    'login <registry>',
    'store the credentials pulls from <registry> use (e.g. ghcr.io, registry.example.com:5000)',
  )
    .requiredOption('--username <name>', 'the registry user')
    .option('--password-stdin', 'read the password or token from standard input')
    .addHelpText(
      'after',
      examples(
        'echo "$GHCR_TOKEN" | agentpod registry login ghcr.io --username me --password-stdin',
      ),
    )
    .action(
      async (host: string, opts: { username: string; passwordStdin?: boolean }, cmd: Command) => {
        // Never as a flag: command lines show in `ps` and in shell history.
        if (!opts.passwordStdin)
          throw new UsageError('pass the password on standard input with --password-stdin');
        const password = await readStdin();
        if (!password) throw new UsageError('standard input held no password');
        const { client, json } = connect(cmd);
        const saved = await client.registries.put(host, { username: opts.username, password });
        answer(
          json,
          saved,
          () => `stored credentials for ${saved.registry} (user ${saved.username})`,
        );
      },
    );
  apiCommand(registry, 'list', 'list the registries with stored credentials')
    .addHelpText('after', examples('agentpod registry list'))
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const { items } = await client.registries.list();
      answer(json, items, () =>
        items.length > 0 ? registryTable(items) : 'no registry credentials',
      );
    });
  registry
    .command('logout <registry>')
    .description('forget the credentials of <registry>')
    .addHelpText('after', examples('agentpod registry logout ghcr.io'))
    .action(async (host: string, _opts: unknown, cmd: Command) => {
      await connect(cmd).client.registries.remove(host);
      say(`removed the credentials for ${host}`);
    });
  return registry;
}

function registryTable(items: RegistryCredential[]): string {
  const rows = items.map((r) => [r.registry, r.username, formatTime(r.updatedAt)]);
  return formatTable(rows, ['REGISTRY', 'USERNAME', 'UPDATED']);
}
