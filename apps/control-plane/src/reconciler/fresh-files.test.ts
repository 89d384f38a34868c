// When the lane that writes new pods' files goes: at once for a pod alone, together for pods
// on their way at once, never longer than its linger. The Docker calls here only record what
// they were asked (fresh-files.int.test.ts writes through the real daemon).
import { setImmediate as turnOfTheLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  type FreshVolumeWrite,
  type FreshWriteBatch,
  type FreshWriteCalls,
  freshWriteLane,
} from './fresh-files.js';

const HOUR = 3_600_000;

const pod = (name: string): FreshVolumeWrite => ({
  containerId: name,
  mountPath: '/data',
  volume: `${name}-state`,
  image: 'agent:1',
  files: [{ path: 'config.json', content: '{}', mode: 0o600, uid: 1000, gid: 1000 }],
});

/** Calls that record each write, and hold a write while `hold` is set. */
function recorder({ failTogether = false, failAlone = new Set<string>() } = {}) {
  const made: string[][] = [];
  let hold: Promise<void> | undefined;
  const calls: FreshWriteCalls = {
    alone: async (w) => {
      await hold;
      if (failAlone.has(w.containerId)) throw new Error(`${w.containerId} is gone`);
      made.push([w.containerId]);
    },
    together: async (writes) => {
      await hold;
      if (failTogether) throw new Error('the helper could not be made');
      made.push(writes.map((w) => w.containerId));
    },
  };
  return {
    calls,
    made,
    holdUntil(release: Promise<void>) {
      hold = release;
    },
  };
}

describe('freshWriteLane', () => {
  it('writes a pod alone at once: no other ticket, no wait', async () => {
    const docker = recorder();
    const lane = freshWriteLane(docker.calls, { lingerMs: HOUR });

    await lane.expect().write(pod('a'));

    expect(docker.made).toEqual([['a']]);
  });

  it('waits for the pods on their way and writes them together', async () => {
    const docker = recorder();
    const batches: FreshWriteBatch[] = [];
    const lane = freshWriteLane(docker.calls, {
      lingerMs: HOUR,
      onBatch: (b) => batches.push(b),
    });
    const [a, b, c] = [lane.expect(), lane.expect(), lane.expect()];

    const written = [a.write(pod('a')), b.write(pod('b'))];
    await turnOfTheLoop();
    expect(docker.made).toEqual([]); // c is still on its way

    written.push(c.write(pod('c')));
    await Promise.all(written);
    expect(docker.made).toEqual([['a', 'b', 'c']]);
    expect(batches).toEqual([{ how: 'helper', size: 3 }]);
  });

  it('stops waiting for a pod whose reconcile gave up', async () => {
    const docker = recorder();
    const lane = freshWriteLane(docker.calls, { lingerMs: HOUR });
    const [a, b] = [lane.expect(), lane.expect()];

    const written = a.write(pod('a'));
    b.cancel();
    await written;

    expect(docker.made).toEqual([['a']]);
  });

  it('waits no longer than its linger for a pod that does not come', async () => {
    const docker = recorder();
    const lane = freshWriteLane(docker.calls, { lingerMs: 50 });
    lane.expect(); // never written, never cancelled

    await lane.expect().write(pod('a'));

    expect(docker.made).toEqual([['a']]);
  });

  it('writes a full batch without waiting for the rest', async () => {
    const docker = recorder();
    const lane = freshWriteLane(docker.calls, { lingerMs: HOUR, maxBatch: 2 });
    const [a, b] = [lane.expect(), lane.expect(), lane.expect()];

    await Promise.all([a?.write(pod('a')), b?.write(pod('b'))]);

    expect(docker.made).toEqual([['a', 'b']]);
  });

  it('sends the writes that came during a turn together in the next', async () => {
    const docker = recorder();
    const lane = freshWriteLane(docker.calls, { lingerMs: HOUR });
    let release = () => {};
    docker.holdUntil(new Promise<void>((r) => (release = r)));

    const first = lane.expect().write(pod('a')); // alone: in flight, held
    await turnOfTheLoop();
    const [b, c] = [lane.expect(), lane.expect()];
    const next = [b.write(pod('b')), c.write(pod('c'))];
    release();
    await Promise.all([first, ...next]);

    expect(docker.made).toEqual([['a'], ['b', 'c']]);
  });

  it('writes each pod alone when the helper fails, failing only the one that cannot be', async () => {
    const docker = recorder({ failTogether: true, failAlone: new Set(['b']) });
    const batches: FreshWriteBatch[] = [];
    const lane = freshWriteLane(docker.calls, {
      lingerMs: HOUR,
      onBatch: (b) => batches.push(b),
    });
    const tickets = [lane.expect(), lane.expect(), lane.expect()];

    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((name, i) => tickets[i]?.write(pod(name))),
    );

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(docker.made).toEqual([['a'], ['c']]);
    expect(batches).toMatchObject([{ how: 'helper', size: 3, error: expect.any(Error) }]);
  });

  it('takes one write per ticket', async () => {
    const lane = freshWriteLane(recorder().calls, { lingerMs: HOUR });
    const ticket = lane.expect();
    await ticket.write(pod('a'));

    await expect(ticket.write(pod('a'))).rejects.toThrow('writes once');
  });
});
