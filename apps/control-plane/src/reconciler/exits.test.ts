import { describe, expect, it } from 'vitest';
import { accountExit, type ExitMark, exitEvent, type ObservedExit } from './exits.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 12, 0, s));
const running = (o: Partial<ObservedExit> = {}): ObservedExit => ({
  containerId: 'c1',
  running: true,
  finishedAt: null,
  exitCode: 0,
  oomKilled: false,
  restartCount: 0,
  ...o,
});
const mark = (o: Partial<ExitMark> = {}): ExitMark => ({
  containerId: 'c1',
  at: null,
  exitCode: null,
  oomKilled: false,
  restartCount: 0,
  ...o,
});

describe('accountExit', () => {
  it('marks a container seen for the first time without reporting its past', () => {
    const observed = running({ finishedAt: at(1), restartCount: 2 });
    const first = accountExit(null, observed, { causedByUs: false });
    expect(first.news).toBeNull();
    expect(first.mark).toMatchObject({ containerId: 'c1', at: at(1).toISOString() });
    // A replaced container starts over too.
    expect(
      accountExit(mark({ containerId: 'c0' }), observed, { causedByUs: false }).news,
    ).toBeNull();
  });

  it('reports any exit of a container made in the same pass, even one it caught already dead', () => {
    // Killed between its start and the pass's second look; Docker already restarted it.
    const observed = running({ finishedAt: at(1), restartCount: 1 });
    const made = accountExit(mark({ containerId: 'c0' }), observed, {
      causedByUs: true,
      made: true,
    });
    expect(made.news).toMatchObject({ at: at(1).toISOString(), restartCount: 1 });
    expect(made.mark).toMatchObject({ containerId: 'c1', at: at(1).toISOString() });
    // Made and not exited: a mark, nothing to report.
    expect(accountExit(null, running(), { causedByUs: false, made: true })).toEqual({
      mark: mark(),
      news: null,
    });
  });

  it('reports an exit that happened since, with the code of a container that stayed down', () => {
    const { news, mark: next } = accountExit(
      mark(),
      running({ running: false, finishedAt: at(5), exitCode: 3 }),
      { causedByUs: false },
    );
    expect(news).toEqual({
      at: at(5).toISOString(),
      exitCode: 3,
      oomKilled: false,
      restartCount: 0,
    });
    expect(
      accountExit(next, running({ running: false, finishedAt: at(5), exitCode: 3 }), {
        causedByUs: false,
      }).news,
    ).toBeNull();
  });

  it('reports an OOM kill that Docker already restarted from, taking the code from the die event', () => {
    const observed = running({ finishedAt: at(7), oomKilled: true, restartCount: 1 });
    const without = accountExit(mark({ at: at(2).toISOString() }), observed, { causedByUs: false });
    expect(without.news).toEqual({
      at: at(7).toISOString(),
      exitCode: null,
      oomKilled: true,
      restartCount: 1,
    });
    const hint = { containerId: 'c1', exitCode: 137, at: new Date(at(7).getTime() + 300) };
    expect(accountExit(mark(), observed, { causedByUs: false, hint }).news?.exitCode).toBe(137);
    // A hint about another exit (too far apart) or container is not used.
    const stale = { ...hint, at: at(1) };
    expect(
      accountExit(mark(), observed, { causedByUs: false, hint: stale }).news?.exitCode,
    ).toBeNull();
  });

  it('never reports an exit AgentPod caused itself, but remembers it', () => {
    const { news, mark: next } = accountExit(
      mark(),
      running({ running: false, finishedAt: at(9) }),
      {
        causedByUs: true,
      },
    );
    expect(news).toBeNull();
    expect(next?.at).toBe(at(9).toISOString());
  });

  it('keeps the mark when there is no container', () => {
    expect(accountExit(mark(), null, { causedByUs: false })).toEqual({ mark: mark(), news: null });
  });
});

describe('exitEvent', () => {
  it('says what happened and what Docker did about it', () => {
    const oom = { at: at(7).toISOString(), exitCode: 137, oomKilled: true, restartCount: 1 };
    expect(exitEvent(oom, true, 64 * 1024 * 1024)).toEqual({
      reason: 'OOMKilled',
      message:
        'the container ran out of memory (limit 64 MiB) and was killed with code 137; Docker restarted it (restart 1 of this container)',
    });
    expect(exitEvent({ ...oom, oomKilled: false, exitCode: null }, true, 0).message).toBe(
      'the container exited with an exit code Docker no longer knows; Docker restarted it (restart 1 of this container)',
    );
    expect(exitEvent({ ...oom, oomKilled: false, exitCode: 1 }, false, 0)).toEqual({
      reason: 'Died',
      message: 'the container exited with code 1',
    });
  });
});
