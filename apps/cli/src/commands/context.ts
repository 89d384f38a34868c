import { Command } from 'commander';
import { ContextName, ContextStore, configPath } from '../contexts.js';
import { UsageError } from '../errors.js';
import { answer, examples, say } from '../output.js';
import { readSecrets, terminalSources } from '../secret-input.js';
import { formatTable } from '../table.js';

/** `agentpod context`: named control planes and their tokens, kept in config.toml. */
export function contextCommand(): Command {
  const context = new Command('context').description(
    `named control planes and their tokens (in ${configPath()}, mode 0600)`,
  );
  const store = () => new ContextStore(configPath());

  context
    .command('add <name>')
    .description('add or replace a context; the first one added becomes the current one')
    .requiredOption('--server <url>', 'the control plane URL, e.g. https://agentpod.example.com')
    .option(
      '--token-from <source>',
      'where the token is read: @file or - (stdin); asked for on a terminal when left out',
    )
    .addHelpText(
      'after',
      examples(
        'agentpod context add prod --server https://agentpod.example.com      (asks for the token)',
        'agentpod token create --name ci | agentpod context add ci --server http://127.0.0.1:8080 --token-from -',
      ),
    )
    .action(async (name: string, opts: { server: string; tokenFrom?: string }) => {
      const valid = ContextName.safeParse(name);
      if (!valid.success) {
        throw new UsageError(`context name "${name}" ${valid.error.issues[0]?.message}`);
      }
      if (!/^https?:\/\/[^/]/.test(opts.server) || !URL.canParse(opts.server)) {
        throw new UsageError(
          `--server must be like https://agentpod.example.com, got "${opts.server}"`,
        );
      }
      const assignment = opts.tokenFrom === undefined ? 'token' : `token=${opts.tokenFrom}`;
      if (
        opts.tokenFrom !== undefined &&
        opts.tokenFrom !== '-' &&
        !opts.tokenFrom.startsWith('@')
      ) {
        throw new UsageError('--token-from takes @file or - (stdin), never the token itself');
      }
      const { token } = await readSecrets([assignment], terminalSources());
      store().add(name, { url: opts.server.replace(/\/+$/, ''), token: token as string });
      say(`added context ${name} (${opts.server})`);
    });

  context
    .command('use <name>')
    .description('make a context the current one')
    .addHelpText('after', examples('agentpod context use prod'))
    .action((name: string) => {
      store().use(name);
      say(`now using context ${name}`);
    });

  context
    .command('list')
    .description('the contexts, the current one marked with *; tokens are never shown')
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples('agentpod context list'))
    .action((opts: { json?: boolean }) => {
      const file = store().read();
      const rows = Object.entries(file.contexts).map(([name, c]) => ({
        name,
        url: c.url,
        current: name === file.current,
      }));
      answer(opts.json === true, rows, () =>
        rows.length === 0
          ? 'no contexts: add one with `agentpod context add <name> --server <url>`'
          : formatTable(
              rows.map((r) => [r.current ? '*' : '', r.name, r.url]),
              ['CURRENT', 'NAME', 'URL'],
            ),
      );
    });

  context
    .command('remove <name>')
    .description('forget a context and its token')
    .addHelpText('after', examples('agentpod context remove staging'))
    .action((name: string) => {
      store().remove(name);
      say(`removed context ${name}`);
    });

  return context;
}
