import { Command } from 'commander';
import { apiCommand, connect } from '../api-command.js';
import { answer, examples, say } from '../output.js';

export function proxyCommand(): Command {
  const proxy = new Command('proxy').description('the proxy that routes subdomains to the pods');
  apiCommand(proxy, 'status', 'whether the proxy holds the routes it should (exit 1 if not)')
    .addHelpText(
      'after',
      examples('agentpod proxy status || echo "the proxy is not routing what it should"'),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const status = await client.proxy.status();
      answer(json, status, () =>
        [
          `${status.mode}: ${status.ok ? 'ok' : `NOT OK: ${status.detail}`}`,
          ...(status.routes !== null ? [`routes: ${status.routes}`] : []),
          ...(status.container
            ? [
                `container: ${status.container.name} (${status.container.state}, ${status.container.pinned ?? status.container.image})`,
              ]
            : []),
        ].join('\n'),
      );
      if (!status.ok) process.exitCode = 1;
    });
  proxy
    .command('ca')
    .description("print the root certificate of the proxy's internal CA (PEM), to trust it")
    .addHelpText('after', examples('agentpod proxy ca > agentpod-root.pem'))
    .action(async (_opts: unknown, cmd: Command) => {
      say((await connect(cmd).client.proxy.rootCertificate()).trimEnd());
    });
  return proxy;
}
