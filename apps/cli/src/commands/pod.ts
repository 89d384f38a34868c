import {
  type AgentPodClient,
  PodPhase,
  type PodWithStatus,
  type UpdatePodRequest,
} from '@agentpod/shared';
import { Command, Option } from 'commander';
import { allItems, apiCommand, connect } from '../api-command.js';
import { EGRESS_HELP, parseEgress } from '../egress.js';
import { UsageError } from '../errors.js';
import { collect, parseConfig } from '../key-value.js';
import { answer, examples, say } from '../output.js';
import { createdPodText, podDetails, podSummary, podTable } from '../pod-view.js';
import { readSecrets, terminalSources } from '../secret-input.js';
import { parseDuration, progressOutput, waitForPod } from '../wait.js';
import { podOperationCommands } from './pod-operations.js';

const CONFIG_HELP =
  'a config value (repeatable); JSON when it parses, dotted keys nest: extraEnv.FOO=bar';
const SECRET_HELP =
  'a secret (repeatable): name=@file, name=- (stdin), or name alone to be asked; never shown again';

interface WaitFlags {
  wait?: boolean;
  timeout: number;
}

interface CreateOptions extends WaitFlags {
  tenant: string;
  subdomain: string;
  type?: string;
  image?: string;
  config?: string[];
  secret?: string[];
  egress?: string;
  stopped?: boolean;
}

interface SetOptions extends WaitFlags {
  config?: string[];
  secret?: string[];
  unsetSecret?: string[];
  egress?: string;
}

/**
 * Writes answer at once with the desired state; the reconciler does the Docker work, so the
 * phase printed after a write is where the pod was, and `pod get` shows it catching up.
 */
export function podCommand(): Command {
  const pod = new Command('pod').description('manage pods through the API');

  waitOptions(apiCommand(pod, 'create', 'create a pod; it starts unless --stopped'))
    .requiredOption('--tenant <id>', 'the tenant the pod belongs to')
    .requiredOption('--subdomain <label>', 'where the pod is reached: <label>.<base domain>')
    .option('--type <adapter>', 'the agent type: openclaw (the default) or open-webui')
    .option('--image <ref>', "an image instead of the agent type's default")
    .option('--config <key=value>', CONFIG_HELP, collect)
    .option('--secret <name=@file>', SECRET_HELP, collect)
    .option('--egress <policy>', EGRESS_HELP)
    .option('--stopped', 'create it without starting it')
    .addHelpText(
      'after',
      examples(
        'agentpod pod create --tenant ten_… --subdomain alice --secret providerApiKey=@key.txt --wait',
      ),
    )
    .action(async (opts: CreateOptions, cmd: Command) => {
      const config = parseConfig(opts.config ?? []);
      const egress = opts.egress === undefined ? undefined : parseEgress(opts.egress);
      const secrets = await readSecrets(opts.secret ?? [], terminalSources());
      const { client, json } = connect(cmd);
      const created = await client.pods.create({
        tenantId: opts.tenant,
        subdomain: opts.subdomain,
        ...(opts.type && { agentType: opts.type }),
        ...(opts.image && { image: opts.image }),
        config,
        secrets,
        ...(egress && { egress }),
        desiredState: opts.stopped ? 'stopped' : 'running',
      });
      answer(json, created, () => createdPodText(created));
      await waitIfAsked(client, created, opts, json);
    });

  apiCommand(pod, 'list', 'list pods')
    .option('--tenant <id>', "only this tenant's pods")
    .addOption(new Option('--phase <phase>', 'only pods in this phase').choices(PodPhase.options))
    .addHelpText('after', examples('agentpod pod list --tenant ten_… --phase failed'))
    .action(async (opts: { tenant?: string; phase?: PodPhase }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const filter = {
        ...(opts.tenant && { tenantId: opts.tenant }),
        ...(opts.phase && { phase: opts.phase }),
      };
      const pods = await allItems((page) => client.pods.list({ ...filter, ...page }));
      answer(json, pods, () => (pods.length > 0 ? podTable(pods) : 'no pods'));
    });

  apiCommand(pod, 'get <id>', 'show a pod: desired state and observed status')
    .addHelpText('after', examples('agentpod pod get pod_… --json'))
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const found = await client.pods.get(id);
      answer(json, found, () => podDetails(found));
    });

  waitOptions(
    apiCommand(
      pod,
      'set <id>',
      'change config, secrets and egress; a changed spec recreates the container',
    ),
  )
    .option('--config <key=value>', `${CONFIG_HELP}; null removes the key`, collect)
    .option('--secret <name=@file>', SECRET_HELP, collect)
    .option('--unset-secret <name>', 'remove a secret (repeatable)', collect)
    .option('--egress <policy>', EGRESS_HELP)
    .addHelpText(
      'after',
      examples('agentpod pod set pod_… --config model=gpt-5 --wait --timeout 5m'),
    )
    .action(async (id: string, opts: SetOptions, cmd: Command) => {
      const change: UpdatePodRequest = {};
      if (opts.config) change.config = parseConfig(opts.config);
      if (opts.egress !== undefined) change.egress = parseEgress(opts.egress);
      const secrets = {
        ...(await readSecrets(opts.secret ?? [], terminalSources())),
        ...Object.fromEntries((opts.unsetSecret ?? []).map((name) => [name, null])),
      };
      if (Object.keys(secrets).length > 0) change.secrets = secrets;
      if (Object.keys(change).length === 0) {
        throw new UsageError(
          'nothing to change: pass --config, --secret, --unset-secret or --egress',
        );
      }
      const { client, json } = connect(cmd);
      const updated = await client.pods.update(id, change);
      answer(json, updated, () => podSummary('updated', updated));
      await waitIfAsked(client, updated, opts, json);
    });

  for (const verb of ['start', 'stop', 'restart'] as const) {
    waitOptions(apiCommand(pod, `${verb} <id>`, `${verb} a pod`))
      .addHelpText('after', examples(`agentpod pod ${verb} pod_… --wait`))
      .action(async (id: string, opts: WaitFlags, cmd: Command) => {
        const { client, json } = connect(cmd);
        const changed = await client.pods[verb](id);
        answer(json, changed, () => podSummary(`asked to ${verb}`, changed));
        await waitIfAsked(client, changed, opts, json);
      });
  }

  apiCommand(pod, 'delete <id>', 'delete a pod; its state volume is kept unless --purge')
    .option('--purge', "also remove the pod's state volume")
    .addHelpText('after', examples('agentpod pod delete pod_… --purge'))
    .action(async (id: string, opts: { purge?: boolean }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const deleted = await client.pods.delete(id, { purge: opts.purge === true });
      const volume = opts.purge ? 'its state volume goes too' : 'its state volume is kept';
      answer(json, deleted, () => `deleting pod ${deleted.id} (${deleted.subdomain}); ${volume}`);
    });

  podOperationCommands(pod);
  return pod;
}

function waitOptions(command: Command): Command {
  return command
    .option('--wait', 'follow the pod until it is healthy (or stopped); exit 1 if it fails')
    .option(
      '--timeout <duration>',
      'how long --wait waits, e.g. 90s or 10m',
      parseDuration,
      300_000,
    );
}

/**
 * `--wait`: the write's answer is already printed (a create's secrets are shown only there);
 * progress goes to stderr, a live line on a terminal, and a failure ends as one line.
 */
async function waitIfAsked(
  client: AgentPodClient,
  written: PodWithStatus,
  opts: WaitFlags,
  json: boolean,
): Promise<void> {
  if (!opts.wait) return;
  const started = Date.now();
  const done = await waitForPod(client, written, {
    timeoutMs: opts.timeout,
    output: progressOutput(process.stderr, `${written.id}: `),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!json)
    say(
      `pod ${done.id} is ${done.desiredState === 'running' ? 'healthy' : 'stopped'} (${seconds} s)`,
    );
}
