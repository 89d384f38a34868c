import type { EventReason, LogLine } from '@agentpod/shared';
import { type Command, InvalidArgumentError } from 'commander';
import { apiCommand, connect } from '../api-command.js';
import { followLogs } from '../follow-logs.js';
import { answer, examples, say } from '../output.js';
import { deviceTables, eventTable, statsTable } from '../pod-view.js';

/** Events, logs, device pairing and access links: reads and actions on a pod's live agent. */
export function podOperationCommands(pod: Command): void {
  apiCommand(pod, 'events <id>', "a pod's latest events, oldest first")
    .option('--limit <n>', 'how many of the latest events', count, 50)
    .option('--reason <reasons>', 'only these reasons, comma-separated (e.g. Died,OOMKilled)')
    .option('--since <time>', 'only events at or after this ISO 8601 time')
    .addHelpText(
      'after',
      examples('agentpod pod events pod_… --reason Died,OOMKilled --since 2026-11-29T00:00:00Z'),
    )
    .action(
      async (
        id: string,
        opts: { limit: number; reason?: string; since?: string },
        cmd: Command,
      ) => {
        const { client, json } = connect(cmd);
        const { items } = await client.pods.events(id, {
          limit: opts.limit,
          ...(opts.reason && { reason: opts.reason.split(',') as EventReason[] }),
          ...(opts.since && { since: opts.since }),
        });
        answer(json, items, () => (items.length > 0 ? eventTable(items) : 'no events'));
      },
    );

  apiCommand(pod, 'stats <id>', "a pod's CPU, memory and I/O over time (default: the last hour)")
    .option('--since <time>', 'from this ISO 8601 time')
    .option('--step <seconds>', 'seconds per line', count)
    .addHelpText('after', examples('agentpod pod stats pod_… --step 300'))
    .action(async (id: string, opts: { since?: string; step?: number }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const series = await client.pods.stats(id, {
        ...(opts.since && { since: opts.since }),
        ...(opts.step && { step: opts.step }),
      });
      answer(json, series, () =>
        series.points.length > 0 ? statsTable(series.points) : 'no samples in this range',
      );
    });

  apiCommand(pod, 'logs <id>', "the agent container's log (stderr lines go to stderr)")
    .option('--tail <n>', 'lines from the end to start with', count, 200)
    .option(
      '-f, --follow',
      'keep printing new lines until interrupted, across restarts of the agent and the control plane',
    )
    .addHelpText(
      'after',
      examples('agentpod pod logs pod_… --tail 50', 'agentpod pod logs pod_… -f'),
    )
    .action(async (id: string, opts: { tail: number; follow?: boolean }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const print = (line: LogLine) =>
        json ? say(JSON.stringify(line)) : writeLine(line.stream, line.text);
      if (!opts.follow) {
        const { lines } = await client.pods.logs(id, { tail: opts.tail });
        for (const line of lines) print(line);
        return;
      }
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      await followLogs(client, id, {
        tail: opts.tail,
        signal: stop.signal,
        print,
        notice: (text) => process.stderr.write(`agentpod: ${text}\n`),
      });
    });

  apiCommand(pod, 'devices <id>', 'browsers and apps waiting to pair with the agent, and paired')
    .addHelpText('after', examples('agentpod pod devices pod_…'))
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const devices = await client.pods.devices(id);
      answer(json, devices, () => deviceTables(devices));
    });

  for (const verb of ['approve', 'reject'] as const) {
    apiCommand(pod, `${verb} <id> <requestId>`, `${verb} a pending device request`)
      .addHelpText(
        'after',
        examples(`agentpod pod ${verb} pod_… <requestId from agentpod pod devices>`),
      )
      .action(async (id: string, requestId: string, _opts: unknown, cmd: Command) => {
        const { client, json } = connect(cmd);
        const devices =
          verb === 'approve'
            ? await client.pods.approveDevice(id, requestId)
            : await client.pods.rejectDevice(id, requestId);
        answer(
          json,
          devices,
          () => `${verb}d device request ${requestId}\n\n${deviceTables(devices)}`,
        );
      });
  }

  apiCommand(pod, 'link <id>', "a sign-in link to the agent's UI (recorded as an event)")
    .addHelpText('after', examples('open "$(agentpod pod link pod_…)"'))
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const link = await client.pods.accessLink(id);
      // The URL alone on stdout, so `open "$(agentpod pod link ...)"` works.
      answer(json, link, () => link.url);
      if (!json) process.stderr.write(`agentpod: ${link.note}\n`);
    });

  apiCommand(
    pod,
    'rotate-token <id>',
    'replace the gateway token: the agent restarts and old access links stop working',
  )
    .addHelpText('after', examples('agentpod pod rotate-token pod_…'))
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const updated = await client.pods.rotateGatewayToken(id);
      answer(
        json,
        updated,
        () =>
          `rotated the gateway token of ${id}; make a new link with \`agentpod pod link ${id}\``,
      );
    });
}

function writeLine(stream: LogLine['stream'], text: string): void {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${text}\n`);
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}
