import { describe, expect, it } from 'vitest';
import { TerminalError, WorkQueue } from './queue.js';

const noBackoff = { baseMs: 1, maxMs: 4 };

describe('WorkQueue', () => {
  it('never runs one id on two workers at once, and reruns an id added while it ran', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const q: WorkQueue = new WorkQueue(
      async () => {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        if (runs === 1) {
          q.add('pod_a');
          q.add('pod_a');
        }
        await new Promise((r) => setTimeout(r, 5));
        concurrent--;
        return undefined;
      },
      { concurrency: 4, backoff: noBackoff, onError: () => {} },
    );
    q.start();
    q.add('pod_a');
    q.add('pod_a');
    await new Promise((r) => setTimeout(r, 50));
    await q.idle();
    expect(maxConcurrent).toBe(1);
    expect(runs).toBe(2);
  });

  it('backs off and retries a failing id, capped, until it succeeds', async () => {
    const delays: (number | null)[] = [];
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts++;
        if (attempts < 4) throw new Error('docker hiccup');
        return undefined;
      },
      { concurrency: 1, backoff: noBackoff, onError: (_id, _e, retry) => delays.push(retry) },
    );
    q.start();
    q.add('pod_a');
    await new Promise((r) => setTimeout(r, 100));
    expect(attempts).toBe(4);
    expect(delays).toEqual([1, 2, 4]);
    await q.stop();
  });

  it('does not retry a terminal error', async () => {
    const seen: (number | null)[] = [];
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts++;
        throw new TerminalError('unknown agent type');
      },
      { concurrency: 1, backoff: noBackoff, onError: (_id, _e, retry) => seen.push(retry) },
    );
    q.start();
    q.add('pod_a');
    await new Promise((r) => setTimeout(r, 30));
    expect(attempts).toBe(1);
    expect(seen).toEqual([null]);
    await q.stop();
  });

  it('requeues after the delay a reconcile asks for', async () => {
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts++;
        return attempts < 3 ? { requeueAfterMs: 2 } : undefined;
      },
      { concurrency: 1, backoff: noBackoff, onError: () => {} },
    );
    q.start();
    q.add('pod_a');
    await new Promise((r) => setTimeout(r, 50));
    expect(attempts).toBe(3);
    await q.stop();
  });
});
