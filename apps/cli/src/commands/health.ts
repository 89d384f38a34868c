import type { PodWithStatus } from '@agentpod/shared';
import { Command } from 'commander';
import { allItems, connect, JSON_HELP } from '../api-command.js';
import { answer, examples } from '../output.js';
import { formatTable } from '../table.js';

/** One pod's verdict: is it where it was asked to be? */
export interface PodVerdict {
  id: string;
  tenantId: string;
  subdomain: string;
  desiredState: PodWithStatus['desiredState'];
  phase: PodWithStatus['status']['phase'];
  health: PodWithStatus['status']['health'];
  ok: boolean;
  /** What is wrong, in words; null when ok. */
  problem: string | null;
}

/**
 * A pod is ok when the reconciler has caught up with its last write and it is running and
 * healthy (or stopped, if asked to stop). Anything else, on its way there included, is not:
 * cron should hear about a pod that stays on its way.
 */
export function verdictOf(pod: PodWithStatus): PodVerdict {
  const { status } = pod;
  const problem = problemOf(pod);
  return {
    id: pod.id,
    tenantId: pod.tenantId,
    subdomain: pod.subdomain,
    desiredState: pod.desiredState,
    phase: status.phase,
    health: status.health,
    ok: problem === null,
    problem,
  };
}

function problemOf(pod: PodWithStatus): string | null {
  const { status } = pod;
  const detail = status.lastError ? `: ${status.lastError}` : '';
  if (status.image.pull?.state === 'failed') {
    return `image pull failed: ${status.image.pull.message ?? status.image.pull.reason}`;
  }
  if (pod.desiredState === 'stopped') {
    return status.phase === 'stopped' ? null : `should be stopped, is ${status.phase}${detail}`;
  }
  if (status.phase !== 'running') return `should run, is ${status.phase}${detail}`;
  if (status.health === 'unhealthy') return `health check failing${detail}`;
  if (status.health !== 'healthy') return `running, not yet healthy (${status.health})`;
  if (status.observedGeneration < pod.generation) return 'a change is not applied yet';
  return null;
}

export function healthCommand(): Command {
  return new Command('health')
    .description('one line per pod; exits 1 if any pod is unhealthy or not at its desired state')
    .option('--json', JSON_HELP)
    .option('--tenant <id>', "only this tenant's pods")
    .addHelpText(
      'after',
      examples(
        'agentpod health',
        'agentpod health --json --tenant ten_… || alert "pods need a look"',
      ),
    )
    .action(async (opts: { tenant?: string }, cmd: Command) => {
      const { client, json } = connect(cmd);
      const pods = await allItems((page) =>
        client.pods.list({ ...(opts.tenant && { tenantId: opts.tenant }), ...page }),
      );
      const verdicts = pods.map(verdictOf);
      answer(json, verdicts, () => healthText(verdicts));
      if (verdicts.some((v) => !v.ok)) process.exitCode = 1;
    });
}

function healthText(verdicts: PodVerdict[]): string {
  if (verdicts.length === 0) return 'no pods';
  const bad = verdicts.filter((v) => !v.ok).length;
  const table = formatTable(
    verdicts.map((v) => [
      v.ok ? 'OK' : 'FAIL',
      v.id,
      v.subdomain,
      v.desiredState,
      v.phase,
      v.health,
      v.problem ?? '',
    ]),
    ['STATUS', 'ID', 'SUBDOMAIN', 'DESIRED', 'PHASE', 'HEALTH', 'PROBLEM'],
  );
  const summary =
    bad === 0 ? `all ${verdicts.length} pods ok` : `${bad} of ${verdicts.length} pods need a look`;
  return `${table}\n${summary}`;
}
