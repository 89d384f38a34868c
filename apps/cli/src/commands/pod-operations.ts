import type { LogLine } from '@agentpod/shared';
import { type Command, InvalidArgumentError } from 'commander';
import { apiCommand, connect } from '../api-command.js';
import { answer, say } from '../output.js';
import { deviceTables, eventTable } from '../pod-view.js';

/** Events, logs, device pairing and access links: reads and actions on a pod's live agent. */
export function podOperationCommands(pod: Command): void {
  apiCommand(pod, 'events <id>', "a pod's latest events, oldest first")
    .option('--limit <n>', 'how many of the latest events', count, 50)
    .action(async (id: string, opts: { limit: number }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const { items } = await client.pods.events(id, { limit: opts.limit });
      answer(json, items, () => (items.length > 0 ? eventTable(items) : 'no events'));
    });

  apiCommand(pod, 'logs <id>', "the agent container's log (stderr lines go to stderr)")
    .option('--tail <n>', 'lines from the end to start with', count, 200)
    .option('-f, --follow', 'keep printing new lines until interrupted')
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
      for await (const line of client.pods.followLogs(id, { tail: opts.tail, signal: stop.signal }))
        print(line);
    });

  apiCommand(
    pod,
    'devices <id>',
    'browsers and apps waiting to pair with the agent, and paired',
  ).action(async (id: string, _opts: unknown, cmd: Command) => {
    const { client, json } = connect(cmd);
    const devices = await client.pods.devices(id);
    answer(json, devices, () => deviceTables(devices));
  });

  for (const verb of ['approve', 'reject'] as const) {
    apiCommand(pod, `${verb} <id> <requestId>`, `${verb} a pending device request`).action(
      async (id: string, requestId: string, _opts: unknown, cmd: Command) => {
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
      },
    );
  }

  apiCommand(pod, 'link <id>', "a sign-in link to the agent's UI (recorded as an event)").action(
    async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const link = await client.pods.accessLink(id);
      // The URL alone on stdout, so `open "$(agentpod pod link ...)"` works.
      answer(json, link, () => link.url);
      if (!json) process.stderr.write(`agentpod: ${link.note}\n`);
    },
  );
}

function writeLine(stream: LogLine['stream'], text: string): void {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${text}\n`);
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}
