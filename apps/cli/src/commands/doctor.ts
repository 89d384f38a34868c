import type { DoctorCheck, DoctorReport } from '@agentpod/shared';
import { Command } from 'commander';
import { connect, JSON_HELP } from '../api-command.js';
import { answer, examples } from '../output.js';
import { formatTable } from '../table.js';

const CLOCK_WARN_MS = 1_000;
const CLOCK_FAIL_MS = 5_000;

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check the installation: Docker, database, proxy, DNS, certificates, disk, memory, clocks, agent images; exits 1 if any check fails',
    )
    .option('--json', JSON_HELP)
    .addHelpText(
      'after',
      examples(
        'agentpod doctor',
        `agentpod doctor --json | jq '.checks[] | select(.status == "fail")'`,
      ),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = connect(cmd);
      const sent = Date.now();
      const server = await client.doctor.run();
      const report: DoctorReport = {
        ...server,
        checks: [...server.checks, localClock(server.checkedAt, sent, Date.now())],
      };
      answer(json, report, () => doctorText(report.checks));
      if (report.checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}

/**
 * This machine's clock against the control plane's: its answer was written between `sent` and
 * `received`, so the skew is known to within half the round trip.
 */
export function localClock(checkedAt: string, sent: number, received: number): DoctorCheck {
  const skew = Date.parse(checkedAt) - (sent + received) / 2;
  const slack = (received - sent) / 2;
  const beyond = Math.max(0, Math.abs(skew) - slack);
  const detail = `the control plane's clock is ${Math.abs(skew / 1000).toFixed(1)} s ${skew >= 0 ? 'ahead of' : 'behind'} this machine's (± ${(slack / 1000).toFixed(1)} s)`;
  const fix = 'run NTP (systemd-timesyncd or chrony) here and on the control plane host';
  return {
    id: 'clock:cli',
    title: "This machine's clock",
    ...(beyond > CLOCK_FAIL_MS
      ? { status: 'fail', fix }
      : beyond > CLOCK_WARN_MS
        ? { status: 'warn', fix }
        : { status: 'ok', fix: null }),
    detail,
  };
}

function doctorText(checks: DoctorCheck[]): string {
  const rows = checks.flatMap((c) => [
    [c.status.toUpperCase(), c.title, c.detail],
    ...(c.fix && c.status !== 'ok' ? [['', '', `-> ${c.fix}`]] : []),
  ]);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const summary =
    failed + warned === 0
      ? `all ${checks.length} checks passed`
      : `${failed} failed, ${warned} to look at, of ${checks.length} checks`;
  return `${formatTable(rows, ['STATUS', 'CHECK', 'DETAIL'])}\n${summary}`;
}
