// Following a container that logs faster than its reader: while the reader's promise is pending
// the Docker stream is paused, so the lines in memory stay at about one chunk's worth instead of
// everything the container wrote; once the reader catches up, every line arrives, in order.
import { afterAll, describe, expect, it } from 'vitest';
import { createContainer, startContainer } from './containers.js';
import { containerLogs, followContainerLogs, type LogLine } from './logs.js';
import {
  eventually,
  removeTestObjects,
  TEST_LABEL,
  TEST_LABELS,
  testHost,
  testImage,
  testName,
} from './testing.js';

const host = testHost();
const LABELS = { ...TEST_LABELS, [TEST_LABEL]: 'logs-backpressure' };
const TOTAL = 100_000;

afterAll(() => removeTestObjects(host, { [TEST_LABEL]: 'logs-backpressure' }));

describe('following logs with a slow reader', () => {
  it('pauses the Docker stream while the reader is behind, then delivers every line', async () => {
    const id = await createContainer(host, {
      name: testName('logs-slow-reader'),
      image: testImage('BASE'),
      cmd: ['/bin/sh', '-c', `seq 1 ${TOTAL}; sleep 600`],
      env: {},
      labels: LABELS,
      mounts: [],
      // Logs need no network; `none` also keeps it off the shared default bridge.
      network: { name: 'none' },
    });
    await startContainer(host, id);
    const lines: LogLine[] = [];
    let release: () => void = () => {};
    const caughtUp = new Promise<void>((resolve) => {
      release = resolve;
    });
    const abort = new AbortController();
    const following = followContainerLogs(host, id, {
      tail: TOTAL + 10,
      signal: abort.signal,
      onLine: (line) => {
        lines.push(line);
        if (lines.length === TOTAL) abort.abort();
        // The first line's reader is slow: nothing more may be taken until it is done.
        return lines.length === 1 ? caughtUp : undefined;
      },
    });
    await eventually(
      'the daemon to hold every line',
      async () =>
        (await containerLogs(host, id, { tail: 1 }))[0]?.text === String(TOTAL) ? true : undefined,
      { timeoutMs: 60_000 },
    );
    // The daemon had everything to send; an unpaused stream delivers 100,000 lines in well
    // under a second here. A short look, not a wait for a state: a paused stream shows nothing.
    await new Promise((r) => setTimeout(r, 1_000));
    const whilePaused = lines.length;
    expect(whilePaused).toBeLessThan(TOTAL / 10);
    release();
    await eventually('every line to arrive', () => (lines.length >= TOTAL ? true : undefined), {
      timeoutMs: 60_000,
    });
    await following;
    expect(lines.map((l) => l.text)).toEqual(
      Array.from({ length: TOTAL }, (_, i) => String(i + 1)),
    );
    console.info(
      `backpressure: ${whilePaused} of ${TOTAL} lines taken while the reader was behind`,
    );
  });
});
