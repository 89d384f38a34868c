import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HealthProber, livenessProbe, steadySpreadMs } from './prober.js';

/** An HTTP server on a real local port, answering with `handler`. */
async function server(handler: Parameters<typeof import('node:http').createServer>[1]) {
  const { createServer } = await import('node:http');
  const s = createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => {
      s.closeAllConnections();
      s.close();
    },
  };
}

describe('HealthProber ticks', () => {
  it('survive a failing target list and log only when that starts and when it ends', async () => {
    const messages: string[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line) => messages.push(JSON.parse(line).msg) },
    );
    let databaseDown = true;
    const prober = new HealthProber({
      tickMs: 1_000,
      logger,
      onChange: () => {},
      targets: async () => {
        if (databaseDown) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return [];
      },
    });
    await prober.tick();
    await prober.tick();
    databaseDown = false;
    await prober.tick();
    await prober.tick();
    expect(messages).toEqual([
      'health probing failed; retrying until it works',
      'health probing works again',
    ]);
  });
});

describe('HealthProber start-up', () => {
  /** An agent on a real local port that fails until told to answer. */
  async function agent() {
    const state = { up: false };
    const s = await server((_req, res) => {
      res.statusCode = state.up ? 200 : 503;
      res.end();
    });
    return { state, ...s };
  }

  function prober(baseUrl: string, clock: { now: number }, changes: string[]) {
    const probe = {
      path: '/healthz',
      expectStatus: 200,
      initialDelayMs: 15_000,
      intervalMs: 10_000,
      timeoutMs: 2_000,
      failureThreshold: 3,
      startupTimeoutMs: 300_000,
    };
    return new HealthProber({
      tickMs: 1_000,
      logger: pino({ level: 'silent' }),
      now: () => clock.now,
      onChange: (_id, health) => changes.push(health),
      targets: async () => [{ podId: 'pod_a', baseUrl, probe }],
    });
  }

  it('does not count a slow first boot against the agent until its start-up time is up', async () => {
    const a = await agent();
    try {
      const clock = { now: 0 };
      const changes: string[] = [];
      const p = prober(a.baseUrl, clock, changes);
      // Failing every 10 s for almost five minutes: still starting, not unhealthy.
      for (; clock.now < 300_000; clock.now += 10_000) await p.tick();
      expect(changes).toEqual([]);
      expect(p.healthOf('pod_a')).toBe('unknown');
      // Past the start-up time, three more failures make it unhealthy.
      for (let i = 0; i < 3; i++, clock.now += 10_000) await p.tick();
      expect(changes).toEqual(['unhealthy']);
    } finally {
      a.close();
    }
  });

  it('counts failures at once after the agent has answered', async () => {
    const a = await agent();
    try {
      const clock = { now: 20_000 };
      const changes: string[] = [];
      const p = prober(a.baseUrl, clock, changes);
      a.state.up = true;
      await p.tick();
      expect(changes).toEqual(['healthy']);
      a.state.up = false;
      // Past the initial delay (15 s from the first probe), well inside the start-up time.
      clock.now = 30_000;
      for (let i = 0; i < 3; i++) {
        clock.now += 10_000;
        await p.tick();
      }
      expect(changes).toEqual(['healthy', 'unhealthy']);
    } finally {
      a.close();
    }
  });
});

describe('HealthProber intervals', () => {
  it('probes a starting agent every startupIntervalMs, then every intervalMs once it has answered', async () => {
    let up = false;
    let asked = 0;
    const agent = await server((_req, res) => {
      asked++;
      res.statusCode = up ? 200 : 503;
      res.end();
    });
    try {
      const clock = { now: 1_000_000 };
      const changes: string[] = [];
      const probe = {
        path: '/healthz',
        expectStatus: 200,
        initialDelayMs: 60_000,
        intervalMs: 30_000,
        startupIntervalMs: 1_000,
        timeoutMs: 2_000,
        failureThreshold: 3,
      };
      const targets = [{ podId: 'pod_a', baseUrl: agent.baseUrl, probe }];
      const p = new HealthProber({
        tickMs: 1_000,
        logger: pino({ level: 'silent' }),
        now: () => clock.now,
        onChange: (_id, health) => changes.push(health),
        targets: async () => targets,
      });
      // Starting: every tick a second apart probes.
      for (let i = 0; i < 5; i++, clock.now += 1_000) await p.tick();
      expect(asked).toBe(5);
      up = true;
      await p.tick();
      expect(changes).toEqual(['healthy']);
      expect(asked).toBe(6);
      // Answered: the next probe is 30 s after that one, not a second.
      for (let i = 0; i < 29; i++) {
        clock.now += 1_000;
        await p.tick();
      }
      expect(asked).toBe(6);
      clock.now += 1_000;
      await p.tick();
      expect(asked).toBe(7);
      // A restarted container starts over at the start-up interval.
      p.reset('pod_a');
      up = false;
      await p.tick();
      clock.now += 1_000;
      await p.tick();
      expect(asked).toBe(9);
    } finally {
      agent.close();
    }
  });

  it('spaces steady probes out past maxPerSecond, but not a starting agent', async () => {
    const asked = new Map<string, number>();
    let up = false;
    const agent = await server((req, res) => {
      const pod = req.url?.slice(1) ?? '';
      asked.set(pod, (asked.get(pod) ?? 0) + 1);
      res.statusCode = up ? 200 : 503;
      res.end();
    });
    try {
      const clock = { now: 1_000_000 };
      // Three pods at one probe every 10 s would be 0.3 a second; the cap is 0.1: every 30 s.
      const targets = ['a', 'b', 'c'].map((pod) => ({
        podId: pod,
        baseUrl: agent.baseUrl,
        probe: {
          path: `/${pod}`,
          expectStatus: 200,
          initialDelayMs: 60_000,
          intervalMs: 10_000,
          startupIntervalMs: 1_000,
          timeoutMs: 2_000,
          failureThreshold: 3,
        },
      }));
      const said: { msg: string; everyMs?: number }[] = [];
      const p = new HealthProber({
        tickMs: 1_000,
        maxPerSecond: 0.1,
        logger: pino({ level: 'info' }, { write: (line) => said.push(JSON.parse(line)) }),
        now: () => clock.now,
        onChange: () => {},
        targets: async () => targets,
      });
      // Starting agents keep their start-up interval: a probe each, every second.
      for (let i = 0; i < 3; i++, clock.now += 1_000) await p.tick();
      expect([...asked.values()]).toEqual([3, 3, 3]);
      up = true;
      await p.tick();
      expect([...asked.values()]).toEqual([4, 4, 4]);
      // Answered: not at their own 10 s, but at the 30 s the cap allows.
      for (let i = 0; i < 29; i++) {
        clock.now += 1_000;
        await p.tick();
      }
      expect([...asked.values()]).toEqual([4, 4, 4]);
      clock.now += 1_000;
      await p.tick();
      expect([...asked.values()]).toEqual([5, 5, 5]);
      // The operator is told once why the probes are further apart than the agents ask.
      expect(said.map((l) => [l.msg, l.everyMs])).toEqual([
        [expect.stringMatching(/AGENTPOD_PROBES_PER_SECOND/), 30_000],
      ]);
    } finally {
      agent.close();
    }
    expect(steadySpreadMs(1_000, 20)).toBe(50_000);
    expect(steadySpreadMs(500, 20)).toBe(25_000);
    expect(steadySpreadMs(1_000, undefined)).toBe(0);
  });

  it("sets every adapter's steady interval from the operator's setting, never below a probe's timeout or start-up interval", () => {
    const liveness = {
      path: '/healthz',
      expectStatus: 200,
      initialDelayMs: 15_000,
      intervalMs: 30_000,
      startupIntervalMs: 1_000,
      timeoutMs: 5_000,
      failureThreshold: 3,
    };
    const adapter = { probes: { liveness } };
    expect(livenessProbe(adapter, undefined)).toBe(liveness);
    expect(livenessProbe(adapter, 10_000)).toEqual({ ...liveness, intervalMs: 10_000 });
    expect(livenessProbe(adapter, 2_000)).toEqual({
      ...liveness,
      intervalMs: 2_000,
      timeoutMs: 2_000,
      startupIntervalMs: 1_000,
    });
    const { startupIntervalMs: _, ...withoutStartup } = liveness;
    expect(livenessProbe({ probes: { liveness: withoutStartup } }, 1_000)).toEqual({
      ...withoutStartup,
      intervalMs: 1_000,
      timeoutMs: 1_000,
      startupIntervalMs: 1_000,
    });
  });
});

describe('a probe, on a real local port', () => {
  const probe = {
    path: '/healthz',
    expectStatus: 200,
    initialDelayMs: 0,
    intervalMs: 10_000,
    timeoutMs: 300,
    failureThreshold: 1,
  };

  /** Probes once and returns the detail of the change it reported. */
  async function probeOnce(baseUrl: string): Promise<[string, string]> {
    const changes: [string, string][] = [];
    const p = new HealthProber({
      tickMs: 1_000,
      logger: pino({ level: 'silent' }),
      onChange: (_id, health, detail) => changes.push([health, detail]),
      targets: async () => [{ podId: 'pod_a', baseUrl, probe }],
    });
    await p.tick();
    expect(changes).toHaveLength(1);
    return changes[0] as [string, string];
  }

  it('is healthy on the expected status, whatever the body, and asks for the probe path', async () => {
    const paths: string[] = [];
    const s = await server((req, res) => {
      paths.push(req.url ?? '');
      res.end('x'.repeat(100_000));
    });
    try {
      expect(await probeOnce(s.baseUrl)).toEqual(['healthy', 'GET /healthz answered 200']);
      expect(paths).toEqual(['/healthz']);
    } finally {
      s.close();
    }
  });

  it('fails on another status, on no answer in time, and on a refused connection', async () => {
    const s503 = await server((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const silent = await server(() => {});
    try {
      expect(await probeOnce(s503.baseUrl)).toEqual([
        'unhealthy',
        'GET /healthz answered 503 (1 consecutive failures)',
      ]);
      expect(await probeOnce(silent.baseUrl)).toEqual([
        'unhealthy',
        'GET /healthz failed: no answer within 300 ms (1 consecutive failures)',
      ]);
    } finally {
      s503.close();
      silent.close();
    }
    // The port is closed now: nothing listens there.
    const [health, detail] = await probeOnce(s503.baseUrl);
    expect(health).toBe('unhealthy');
    expect(detail).toMatch(
      /^GET \/healthz failed: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(1 consecutive failures\)$/,
    );
  });

  it('reads a status line that arrives in pieces, and fails on an answer that is not HTTP or none at all', async () => {
    const { createServer } = await import('node:net');
    const raw = async (answer: (socket: import('node:net').Socket) => void) => {
      const s = createServer((socket) => {
        socket.once('data', () => answer(socket));
      });
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      const { port } = s.address() as { port: number };
      return { baseUrl: `http://127.0.0.1:${port}`, close: () => s.close() };
    };
    const pieces = await raw((socket) => {
      socket.write('HTT');
      setImmediate(() => socket.end('P/1.0 200 OK\r\n\r\nok'));
    });
    const ssh = await raw((socket) => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    const hangUp = await raw((socket) => socket.end());
    try {
      expect(await probeOnce(pieces.baseUrl)).toEqual(['healthy', 'GET /healthz answered 200']);
      expect(await probeOnce(ssh.baseUrl)).toEqual([
        'unhealthy',
        'GET /healthz failed: the answer is not HTTP/1 (1 consecutive failures)',
      ]);
      expect(await probeOnce(hangUp.baseUrl)).toEqual([
        'unhealthy',
        'GET /healthz failed: closed without an answer (1 consecutive failures)',
      ]);
    } finally {
      pieces.close();
      ssh.close();
      hangUp.close();
    }
  });
});
