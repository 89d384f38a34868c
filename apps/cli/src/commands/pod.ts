import { PodPhase, type UpdatePodRequest } from '@agentpod/shared';
import { Command, Option } from 'commander';
import { allItems, apiCommand, connect } from '../api-command.js';
import { EGRESS_HELP, parseEgress } from '../egress.js';
import { UsageError } from '../errors.js';
import { collect, parseConfig, parseSecrets } from '../key-value.js';
import { answer } from '../output.js';
import { createdPodText, podDetails, podSummary, podTable } from '../pod-view.js';
import { podOperationCommands } from './pod-operations.js';

const CONFIG_HELP =
  'a config value (repeatable); JSON when it parses, dotted keys nest: extraEnv.FOO=bar';
const SECRET_HELP = 'a secret (repeatable), e.g. providerApiKey=sk-...; it is never shown again';

interface CreateOptions {
  tenant: string;
  subdomain: string;
  type?: string;
  image?: string;
  config?: string[];
  secret?: string[];
  egress?: string;
  stopped?: boolean;
}

interface SetOptions {
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

  apiCommand(pod, 'create', 'create a pod; it starts unless --stopped')
    .requiredOption('--tenant <id>', 'the tenant the pod belongs to')
    .requiredOption('--subdomain <label>', 'where the pod is reached: <label>.<base domain>')
    .option('--type <adapter>', 'the agent type: openclaw (the default) or open-webui')
    .option('--image <ref>', "an image instead of the agent type's default")
    .option('--config <key=value>', CONFIG_HELP, collect)
    .option('--secret <name=value>', SECRET_HELP, collect)
    .option('--egress <policy>', EGRESS_HELP)
    .option('--stopped', 'create it without starting it')
    .action(async (opts: CreateOptions, cmd: Command) => {
      const config = parseConfig(opts.config ?? []);
      const egress = opts.egress === undefined ? undefined : parseEgress(opts.egress);
      const secrets = parseSecrets(opts.secret ?? []);
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
    });

  apiCommand(pod, 'list', 'list pods')
    .option('--tenant <id>', "only this tenant's pods")
    .addOption(new Option('--phase <phase>', 'only pods in this phase').choices(PodPhase.options))
    .action(async (opts: { tenant?: string; phase?: PodPhase }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const filter = {
        ...(opts.tenant && { tenantId: opts.tenant }),
        ...(opts.phase && { phase: opts.phase }),
      };
      const pods = await allItems((page) => client.pods.list({ ...filter, ...page }));
      answer(json, pods, () => (pods.length > 0 ? podTable(pods) : 'no pods'));
    });

  apiCommand(pod, 'get <id>', 'show a pod: desired state and observed status').action(
    async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const found = await client.pods.get(id);
      answer(json, found, () => podDetails(found));
    },
  );

  apiCommand(
    pod,
    'set <id>',
    'change config, secrets and egress; a changed spec recreates the container',
  )
    .option('--config <key=value>', `${CONFIG_HELP}; null removes the key`, collect)
    .option('--secret <name=value>', SECRET_HELP, collect)
    .option('--unset-secret <name>', 'remove a secret (repeatable)', collect)
    .option('--egress <policy>', EGRESS_HELP)
    .action(async (id: string, opts: SetOptions, cmd: Command) => {
      const change: UpdatePodRequest = {};
      if (opts.config) change.config = parseConfig(opts.config);
      if (opts.egress !== undefined) change.egress = parseEgress(opts.egress);
      const secrets = {
        ...parseSecrets(opts.secret ?? []),
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
    });

  for (const verb of ['start', 'stop', 'restart'] as const) {
    apiCommand(pod, `${verb} <id>`, `${verb} a pod`).action(
      async (id: string, _opts: unknown, cmd: Command) => {
        const { client, json } = connect(cmd);
        const changed = await client.pods[verb](id);
        answer(json, changed, () => podSummary(`asked to ${verb}`, changed));
      },
    );
  }

  apiCommand(pod, 'delete <id>', 'delete a pod; its state volume is kept unless --purge')
    .option('--purge', "also remove the pod's state volume")
    .action(async (id: string, opts: { purge?: boolean }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const deleted = await client.pods.delete(id, { purge: opts.purge === true });
      const volume = opts.purge ? 'its state volume goes too' : 'its state volume is kept';
      answer(json, deleted, () => `deleting pod ${deleted.id} (${deleted.subdomain}); ${volume}`);
    });

  podOperationCommands(pod);
  return pod;
}
