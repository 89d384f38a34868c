// The event stream against the real daemon, and its reconnect against a stand-in daemon.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer, startContainer } from './containers.js';
import {
  type DockerEvent,
  DockerEventStream,
  type EventStreamState,
  sinceParam,
} from './events.js';
import { DockerHost } from './host.js';
import {
  eventually,
  removeTestObjects,
  TEST_LABELS,
  testHost,
  testImage,
  testName,
} from './testing.js';

const host = testHost();

beforeAll(() => removeTestObjects(host));
afterAll(() => removeTestObjects(host));

describe('DockerEventStream on the real daemon', () => {
  it('sees a labelled container start and die', async () => {
    const run = randomBytes(4).toString('hex');
    const events: DockerEvent[] = [];
    const states: EventStreamState[] = [];
    const stream = new DockerEventStream(host, {
      filters: { type: ['container'], label: ['agentpod.test=runtime', `aptest.run=${run}`] },
      onEvent: (ev) => events.push(ev),
      onStateChange: (state) => states.push(state),
      reconnectDelayMs: { min: 100, max: 1_000 },
    });
    stream.start();
    try {
      await eventually('the stream to connect', () =>
        states.includes('connected') ? true : undefined,
      );
      const spec = (labels: Record<string, string>) => ({
        name: testName('events'),
        image: testImage('BASE'),
        cmd: ['sh', '-c', 'exit 0'],
        env: {},
        labels,
        mounts: [],
      });
      // One without this run's label, which the filter must keep out.
      await startContainer(host, await createContainer(host, spec(TEST_LABELS)));
      const id = await createContainer(host, spec({ ...TEST_LABELS, 'aptest.run': run }));
      await startContainer(host, id);
      await eventually('start and die events', () =>
        events.some((e) => e.action === 'die') ? true : undefined,
      );
      const mine = events.filter((e) => e.id === id).map((e) => e.action);
      expect(mine).toEqual(expect.arrayContaining(['create', 'start', 'die']));
      expect(events.every((e) => e.id === id)).toBe(true);
      const die = events.find((e) => e.action === 'die');
      expect(die?.attributes).toMatchObject({ exitCode: '0', 'aptest.run': run });
      expect(die?.type).toBe('container');
    } finally {
      await stream.stop();
    }
    expect(states).toEqual(['connected']);
  });
});

/**
 * Restarting the shared Docker daemon would disturb every other suite on this machine, so the
 * reconnect is tested against a tiny stand-in daemon on a unix socket that we close and reopen.
 * Like Docker, it replays events at or after `since` on reconnect.
 */
describe('DockerEventStream reconnect', () => {
  const socketPath = join(tmpdir(), `aptest-events-${randomBytes(4).toString('hex')}.sock`);
  const line = (action: string, timeNano: bigint) =>
    `${JSON.stringify({
      Type: 'container',
      Action: action,
      Actor: { ID: `c-${action}`, Attributes: {} },
      time: Number(timeNano / 1_000_000_000n),
    }).slice(0, -1)},"timeNano":${timeNano}}\n`;
  const A = line('create', 1764300000000000001n);
  const B = line('start', 1764300001500000000n);
  const C = line('die', 1764300002000000000n);

  const sinceSeen: (string | null)[] = [];
  function daemon(respond: (write: (s: string) => void) => void): Promise<Server> {
    const server = createServer((req, res) => {
      sinceSeen.push(new URL(req.url ?? '/', 'http://docker').searchParams.get('since'));
      res.writeHead(200, { 'content-type': 'application/json' });
      respond((s) => res.write(s));
    });
    return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
  }
  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  it('reconnects with since = the last event, without losing or repeating events', async () => {
    const events: string[] = [];
    const states: EventStreamState[] = [];
    const log = { info: [] as string[], warn: [] as string[] };
    const stand = new DockerHost({ kind: 'unix', socketPath }, { timeoutMs: 2_000 });
    const stream = new DockerEventStream(stand, {
      filters: { type: ['container'] },
      onEvent: (ev) => events.push(ev.action),
      onStateChange: (s) => states.push(s),
      reconnectDelayMs: { min: 20, max: 80 },
      logger: { info: (m) => log.info.push(m), warn: (m) => log.warn.push(m) },
    });

    // First life: A split across two writes, then B.
    let server = await daemon((write) => {
      write(A.slice(0, 30));
      setTimeout(() => write(A.slice(30) + B), 20);
    });
    stream.start();
    try {
      await eventually('A and B', () => (events.length === 2 ? true : undefined));
      await close(server); // the daemon goes away; reconnects fail for a while
      await eventually('the stream to notice', () =>
        states.includes('disconnected') ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));

      // Second life: replays B (since is inclusive), then C.
      server = await daemon((write) => write(B + C));
      await eventually('C', () => (events.includes('die') ? true : undefined));
    } finally {
      await stream.stop();
      await close(server);
    }
    expect(events).toEqual(['create', 'start', 'die']);
    expect(sinceSeen).toEqual([null, sinceParam(1764300001500000000n)]);
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
    // Failed attempts while down are not logged one by one: one line per state change.
    expect(log.warn).toHaveLength(1);
    expect(log.info).toHaveLength(2);
  });
});
