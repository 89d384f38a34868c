import { describe, expect, it } from 'vitest';
import { LeadershipLostError, TerminalError, WorkQueue } from './queue.js';

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

  it("lets neither events nor resyncs cut a failing id's backoff short", async () => {
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts++;
        throw new Error('docker hiccup');
      },
      { concurrency: 1, backoff: { baseMs: 60_000, maxMs: 60_000 }, onError: () => {} },
    );
    q.start();
    q.add('pod_a');
    await q.idle();
    expect(attempts).toBe(1);
    // A Docker event and a resync arrive while it backs off: the retry stays where it was.
    q.add('pod_a');
    q.add('pod_a');
    await q.idle();
    expect(attempts).toBe(1);
    expect(q.size).toBe(0);
    await q.stop();
  });

  it('handles an API write at once, backoff or not, and counts failures from zero', async () => {
    const delays: (number | null)[] = [];
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts++;
        throw new Error('docker hiccup');
      },
      {
        concurrency: 1,
        backoff: { baseMs: 60_000, maxMs: 600_000 },
        onError: (_id, _e, retry) => delays.push(retry),
      },
    );
    q.start();
    q.add('pod_a');
    await q.idle();
    q.addNow('pod_a');
    await q.idle();
    expect(attempts).toBe(2);
    // Not 120 s: the failure before the write was about a desired state that is gone.
    expect(delays).toEqual([60_000, 60_000]);
    await q.stop();
  });

  it('reruns an id written to while it ran at once, even if that run failed', async () => {
    let attempts = 0;
    const q: WorkQueue = new WorkQueue(
      async () => {
        attempts++;
        if (attempts === 1) q.addNow('pod_a');
        throw new Error('docker hiccup');
      },
      { concurrency: 1, backoff: { baseMs: 60_000, maxMs: 60_000 }, onError: () => {} },
    );
    q.start();
    q.add('pod_a');
    await new Promise((r) => setTimeout(r, 20));
    await q.idle();
    expect(attempts).toBe(2);
    await q.stop();
  });

  it('neither retries nor reports a reconcile cut short by a lost leadership', async () => {
    const seen: unknown[] = [];
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts++;
        throw new LeadershipLostError();
      },
      { concurrency: 1, backoff: noBackoff, onError: (_id, e) => seen.push(e) },
    );
    q.start();
    q.add('pod_a');
    await new Promise((r) => setTimeout(r, 30));
    expect(attempts).toBe(1);
    expect(seen).toEqual([]);
    await q.stop();
  });

  it('keeps the earlier of two delayed adds', async () => {
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts++;
        return undefined;
      },
      { concurrency: 1, backoff: noBackoff, onError: () => {} },
    );
    q.start();
    q.addAfter('pod_a', 60_000);
    q.addAfter('pod_a', 1);
    await new Promise((r) => setTimeout(r, 30));
    await q.idle();
    expect(attempts).toBe(1);
    await q.stop();
  });
});
