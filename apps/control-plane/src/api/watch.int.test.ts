// The live feed on the real stack: a control plane in this process (PostgreSQL, the real
// Docker daemon, stand-in agent pods) pushes pod changes, events and log lines over a real
// WebSocket; a client that was away catches up from the last event it had, missing none.
import type { PodEvent, PodWithStatus, WatchMessage } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InProcessControlPlane } from '../e2e/testing.js';
import { LABEL_POD_ID } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';

let cp: InProcessControlPlane;
const podIds: string[] = [];

/** A watch connection that keeps everything it received, in order. */
class Watcher {
  readonly messages: WatchMessage[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(after?: string, token = cp.token) {
    const url = new URL(`${cp.server.url.replace(/^http/, 'ws')}/api/v1/watch`);
    if (after) url.searchParams.set('after', after);
    this.socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    this.socket.on('message', (data) => this.messages.push(JSON.parse(String(data))));
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
    });
  }

  events(): PodEvent[] {
    return this.messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  }

  lastPod(id: string): PodWithStatus | undefined {
    return this.messages.flatMap((m) => (m.type === 'pod' && m.pod.id === id ? [m.pod] : [])).pop();
  }

  until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
    return eventually(what, probe, { timeoutMs, intervalMs: 100 });
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.close();
    await closed;
  }
}

beforeAll(async () => {
  cp = await InProcessControlPlane.startFresh({
    AGENTPOD_BASE_DOMAIN: 'watch.test',
    AGENTPOD_POD_SUBNET_POOL: '10.227.0.0/16',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
  });
});

afterAll(async () => {
  await cp?.close();
  const docker = testHost();
  for (const id of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: id });
});

describe('the live feed', () => {
  let pod: PodWithStatus;
  let lastSeen = '';

  it('refuses a connection without a valid token', async () => {
    await expect(new Watcher(undefined, 'ap_not-a-token').opened).rejects.toThrow(/401/);
  });

  it('starts with every pod, then pushes a new pod through pending to running, with its events', async () => {
    const watcher = new Watcher();
    await watcher.opened;
    await watcher.until('hello and synced', () =>
      watcher.messages[1]?.type === 'synced' ? true : undefined,
    );
    expect(watcher.messages[0]).toEqual({ type: 'hello', pods: [] });

    const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'watch' });
    const created = await cp.api<PodWithStatus>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'watch',
    });
    pod = created.body;
    podIds.push(pod.id);
    const running = await watcher.until('the pod running, pushed', () => {
      const last = watcher.lastPod(pod.id);
      return last?.status.phase === 'running' ? last : undefined;
    });
    expect(running.status.containerId).not.toBeNull();
    const reasons = await watcher.until('its Created and Started events, pushed', () => {
      const got = watcher
        .events()
        .filter((e) => e.podId === pod.id)
        .map((e) => e.reason);
      return got.includes('Started') ? got : undefined;
    });
    expect(reasons).toEqual(expect.arrayContaining(['ImagePinned', 'Created', 'Started']));
    const ids = watcher.events().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);

    // The agent's log, as it is written.
    watcher.socket.send(JSON.stringify({ type: 'logs', podId: pod.id, tail: 10 }));
    const line = await watcher.until('a log line', () =>
      watcher.messages.find((m) => m.type === 'log' && m.podId === pod.id),
    );
    expect(line).toMatchObject({
      line: { stream: 'stdout', text: 'stand-in agent answering on 18789' },
    });
    lastSeen = ids[ids.length - 1] ?? '';
    await watcher.close();
  });

  it('gives a client that was away every event it missed, once each, then goes on live', async () => {
    // While no one watches: the pod is stopped and started again.
    expect((await cp.api('POST', `/pods/${pod.id}/stop`)).status).toBe(202);
    await eventually('the pod stopped', async () => {
      const { body } = await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`);
      return body.status.phase === 'stopped' ? true : undefined;
    });
    const missed = (
      await cp.api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events?limit=200`)
    ).body.items
      .filter((e) => e.id > lastSeen)
      .map((e) => e.id);
    expect(missed.length).toBeGreaterThan(0);

    const watcher = new Watcher(lastSeen);
    await watcher.opened;
    await watcher.until('synced', () =>
      watcher.messages.some((m) => m.type === 'synced') ? true : undefined,
    );
    const caughtUp = watcher.events().map((e) => e.id);
    expect(caughtUp).toEqual(expect.arrayContaining(missed));
    expect(new Set(caughtUp).size).toBe(caughtUp.length);
    expect(watcher.lastPod(pod.id)?.status.phase ?? watcher.messages[0]).toBeDefined();

    expect((await cp.api('POST', `/pods/${pod.id}/start`)).status).toBe(202);
    await watcher.until('the Started event after the catch-up, live', () =>
      watcher
        .events()
        .find((e) => e.reason === 'Started' && e.id > (missed[missed.length - 1] ?? '')),
    );
    const all = watcher.events().map((e) => e.id);
    expect(new Set(all).size).toBe(all.length);
    await watcher.close();
  });

  it('keeps following a pod’s log across a restart of its container, repeating no line', async () => {
    await eventually('the pod running', async () => {
      const { body } = await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`);
      return body.status.phase === 'running' ? true : undefined;
    });
    const watcher = new Watcher();
    await watcher.opened;
    const greetings = () =>
      watcher.messages.filter(
        (m) =>
          m.type === 'log' &&
          m.podId === pod.id &&
          m.line.text === 'stand-in agent answering on 18789',
      ).length;
    watcher.socket.send(JSON.stringify({ type: 'logs', podId: pod.id, tail: 1 }));
    await watcher.until('the greeting of the running container', () =>
      greetings() >= 1 ? true : undefined,
    );
    // Docker ends the log stream when the container stops; the follow goes on with its next run.
    expect((await cp.api('POST', `/pods/${pod.id}/restart`)).status).toBe(202);
    const seen = await watcher.until(
      'the greeting of the restarted container, on the same follow',
      () => (greetings() >= 2 ? greetings() : undefined),
    );
    expect(seen).toBe(2);
    await watcher.close();
  });

  it('answers a command it does not know with an error and stays open', async () => {
    const watcher = new Watcher();
    await watcher.opened;
    watcher.socket.send('{"type":"explode"}');
    const error = await watcher.until('an error message', () =>
      watcher.messages.find((m) => m.type === 'error'),
    );
    expect(error).toMatchObject({ code: 'invalid_command' });
    expect(watcher.socket.readyState).toBe(WebSocket.OPEN);
    await watcher.close();
  });
});
