// The exit gate asks the real daemon its version and orders exits by it: one at a time on an
// engine with the network-leave deadlock (Debian 12's 20.10.24 here), at once on a fixed one.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { hasLeaveDeadlock } from '../runtime/engine-quirks.js';
import { testHost } from '../runtime/testing.js';
import { exitGate } from './exit-gate.js';

const docker = testHost();

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('exit gate on the real daemon', () => {
  it('orders exits by what the engine needs, and says why once', async () => {
    const { Version = '' } = await docker.docker.version();
    const affected = hasLeaveDeadlock(Version);
    const { logger, lines } = capturedLogger();
    const gate = exitGate(docker, logger);

    let running = 0;
    let most = 0;
    const order: number[] = [];
    // Each piece of work waits until a second one could have started beside it.
    const work = (n: number) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 20));
      order.push(n);
      running--;
      return n;
    };
    const results = await Promise.all([1, 2, 3].map((n) => gate(work(n))));
    expect(results).toEqual([1, 2, 3]);
    expect(most).toBe(affected ? 1 : 3);
    if (affected) expect(order).toEqual([1, 2, 3]);

    // The version is asked once, and the warning written once.
    await gate(work(4));
    const warnings = lines.filter((l) => l.includes('can deadlock when containers leave'));
    expect(warnings).toHaveLength(affected ? 1 : 0);
  });

  it('passes a failure of the work to its caller and goes on with the next', async () => {
    const gate = exitGate(docker, createLogger('silent'));
    await expect(
      gate(async () => {
        throw new Error('no such container');
      }),
    ).rejects.toThrow('no such container');
    await expect(gate(async () => 'next')).resolves.toBe('next');
  });
});
