import type { Tenant } from '@agentpod/shared';
import { Command } from 'commander';
import { allItems, apiCommand, connect } from '../api-command.js';
import { answer, examples, say } from '../output.js';
import { formatTable, formatTime } from '../table.js';

export function tenantCommand(): Command {
  const tenant = new Command('tenant').description('manage tenants through the API');
  apiCommand(tenant, 'create <name>', 'create a tenant (<name>: a DNS label, e.g. acme)')
    .option('--display-name <text>', 'a name for people (defaults to <name>)')
    .addHelpText('after', examples('agentpod tenant create acme --display-name "Acme Inc."'))
    .action(async (name: string, opts: { displayName?: string }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const created = await client.tenants.create({
        name,
        ...(opts.displayName && { displayName: opts.displayName }),
      });
      answer(json, created, () => `created tenant ${created.id} (${created.name})`);
    });
  apiCommand(tenant, 'list', 'list tenants')
    .addHelpText('after', examples('agentpod tenant list --json'))
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const tenants = await allItems((query) => client.tenants.list(query));
      answer(json, tenants, () => (tenants.length > 0 ? tenantTable(tenants) : 'no tenants'));
    });
  tenant
    .command('delete <id>')
    .description('delete a tenant (refused while it has pods)')
    .addHelpText('after', examples('agentpod tenant delete ten_…'))
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await connect(cmd).client.tenants.delete(id);
      say(`deleted tenant ${id}`);
    });
  return tenant;
}

function tenantTable(tenants: Tenant[]): string {
  const rows = tenants.map((t) => [t.id, t.name, t.displayName, formatTime(t.createdAt)]);
  return formatTable(rows, ['ID', 'NAME', 'DISPLAY NAME', 'CREATED']);
}
