// Prints vitest's JSON report as one plain closing line: "tests: N passed, N failed, N skipped".
// The report does not count an unhandled error (an uncaught exception while tests ran), which
// fails the run all the same: vitest's exit code, the second argument, says so.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log('tests: 0 passed, 1 failed (no report: the test run did not finish)');
  process.exit(0);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
const exitCode = Number(process.argv[3] ?? 0);
const failedAnyway =
  exitCode !== 0 && report.numFailedTests === 0
    ? `; the run failed anyway (vitest exited with ${exitCode}: see its unhandled errors above)`
    : '';
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped${failedAnyway}`,
);
