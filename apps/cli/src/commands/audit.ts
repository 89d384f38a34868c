import type { Command } from 'commander';
import { Command as Cmd } from 'commander';
import { apiCommand, connect } from '../api-command.js';
import { answer, examples } from '../output.js';

/** `agentpod audit`: who did what, newest first. */
export function auditCommand(): Command {
  const audit = new Cmd('audit').description('the audit log: admin actions and refused calls');
  apiCommand(audit, 'list', 'admin actions, newest first')
    .option('--pod <id>', 'only actions on this pod (or any target id)')
    .option('--actor <actor>', 'only this actor: token:<id>, operator:<id>, local-admin')
    .option('--action <action>', 'only this action, e.g. pod.access_link')
    .option('--limit <n>', 'how many entries', (v) => Number.parseInt(v, 10), 50)
    .addHelpText('after', examples('agentpod audit list --pod pod_… --action pod.access_link'))
    .action(
      async (
        opts: { pod?: string; actor?: string; action?: string; limit: number },
        cmd: Command,
      ) => {
        const { client, json } = connect(cmd);
        const { items } = await client.audit.list({
          limit: opts.limit,
          ...(opts.pod && { target: opts.pod }),
          ...(opts.actor && { actor: opts.actor }),
          ...(opts.action && { action: opts.action }),
        });
        answer(json, items, () =>
          items.length === 0
            ? 'no entries'
            : items
                .map(
                  (e) =>
                    `${e.at}  ${e.status}  ${e.action}  ${e.target ?? '-'}  ${e.actor}  ${e.ip ?? '-'}`,
                )
                .join('\n'),
        );
      },
    );
  return audit;
}
