// PostgreSQL stopped under the built `agentpod server`, during a stream of writes: every API call
// answers 503 `database_unavailable` (not 500) while it is down, the process stays up, it
// recovers on its own once the database is back with every acknowledged write still there, and
// no unhandled rejection on the way. Then a standby process takes over when the leader is
// SIGKILLed. The cluster is this file's own: stopping the shared test server would break the
// other files.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../routing/testing.js';
import { eventually } from '../runtime/testing.js';
import { ControlPlaneProcess } from './testing.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL 15 cluster; initdb and the server run as `postgres`, never as root. */
class ThrowawayPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'agentpod-outage-pg-'));
  port = 0;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async create(): Promise<void> {
    this.port = await freePort('127.0.0.1');
    execFileSync('chown', ['postgres:postgres', this.dir]);
    this.run('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8']);
    this.start();
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.run(
      'pg_ctl',
      ['-D', this.data, '-l', join(this.dir, 'server.log'), '-w', '-t', '60'].concat([
        '-o',
        options,
        'start',
      ]),
    );
  }

  /** `-m fast`: open connections are terminated, as in a real outage. */
  stop(): void {
    this.run('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // Not running (already stopped, or it never started): only the folder is left.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private run(binary: string, args: string[]): void {
    execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
    });
  }
}

interface ProblemBody {
  code: string;
  detail: string;
}

let pg: ThrowawayPostgres;
let cp: ControlPlaneProcess;
let standby: ControlPlaneProcess | undefined;
let dataDir: string;
const secretKey = randomBytes(32).toString('base64');

beforeAll(async () => {
  pg = new ThrowawayPostgres();
  await pg.create();
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-outage-'));
  cp = new ControlPlaneProcess({
    DATABASE_URL: pg.url,
    AGENTPOD_DATA_DIR: dataDir,
    // Shared with the standby below: one installation, two processes.
    AGENTPOD_SECRET_KEY: secretKey,
    AGENTPOD_POD_SUBNET_POOL: '10.219.0.0/16',
    // Other test files' labelled objects come and go while this runs: never sweep them.
    AGENTPOD_SWEEP_DRY_RUN: 'true',
    AGENTPOD_RESYNC_INTERVAL_MS: '2000',
  });
  await cp.start();
});

afterAll(async () => {
  await standby?.stop();
  await cp?.stop();
  pg?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// A failure here is about the process: say whether it still runs, and its last words.
afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const [name, p] of [
    ['control plane', cp],
    ['standby', standby],
  ] as const) {
    if (p) console.log(`${name} running: ${p.running}; its last output:\n${p.output.slice(-3000)}`);
  }
});

async function readyz(
  of: ControlPlaneProcess = cp,
): Promise<{ status: number; body: ProblemBody & { role?: string } }> {
  const res = await fetch(`${of.url}/readyz`);
  return { status: res.status, body: (await res.json()) as ProblemBody & { role?: string } };
}

describe('a database outage under a running control plane', () => {
  const tenants: Record<string, string> = {};
  /** Tenants whose creation the API acknowledged (201), before, during or after the outage. */
  const acknowledged: string[] = [];
  /** Every other answer the writers got: each must be a 503 database_unavailable. */
  const refused: string[] = [];
  let writing = true;
  let writers: Promise<void>[] = [];

  it('answers every call with 503 database_unavailable and stays up', async () => {
    const before = await cp.api<{ id: string }>('POST', '/tenants', { name: 'before-outage' });
    expect(before.status).toBe(201);
    tenants.before = before.body.id;
    // Two writers keep creating tenants through the whole outage.
    writers = [0, 1].map(async (w) => {
      for (let n = 0; writing; n++) {
        const res = await cp
          .api<ProblemBody & { id: string }>('POST', '/tenants', { name: `load-${w}-${n}` })
          .catch((err: Error) => ({ status: 0, body: { code: err.message } as ProblemBody }));
        if (res.status === 201) acknowledged.push((res.body as { id: string }).id);
        else refused.push(`${res.status} ${res.body.code}`);
        if (res.status !== 201) await new Promise((r) => setTimeout(r, 50));
      }
    });
    await eventually('a few writes to go through', () =>
      acknowledged.length >= 5 ? true : undefined,
    );

    pg.stop();
    const down = await eventually('the API to answer 503', async () => {
      const res = await fetch(`${cp.url}/api/v1/pods`, {
        headers: { authorization: `Bearer ${cp.token}` },
      });
      const body = (await res.json()) as ProblemBody;
      return res.status === 503 ? { type: res.headers.get('content-type'), body } : undefined;
    });
    expect(down.type).toMatch(/^application\/problem\+json/);
    expect(down.body.code).toBe('database_unavailable');
    const write = await cp.api<ProblemBody>('POST', '/tenants', { name: 'during-outage' });
    expect([write.status, write.body.code]).toEqual([503, 'database_unavailable']);
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.detail).toMatch(/^the database is unavailable: /);

    // The background loops meet the outage too: the leader loses its lock connection and
    // keeps trying for it. The process must live through that.
    await eventually('the reconciler to retry leadership', () =>
      /trying for reconciler leadership failed/.test(cp.output) ? true : undefined,
    );
    expect(cp.running).toBe(true);
    expect((await cp.api('GET', '/pods')).status).toBe(503);
  });

  it('recovers on its own once PostgreSQL is back, with every acknowledged write', async () => {
    pg.start();
    await eventually('the API to answer 200 again', async () =>
      (await cp.api('GET', '/pods')).status === 200 ? true : undefined,
    );
    const ackedBeforeRestart = acknowledged.length;
    await eventually('the writers to go through again', () =>
      acknowledged.length > ackedBeforeRestart + 5 ? true : undefined,
    );
    writing = false;
    await Promise.all(writers);
    expect(new Set(refused)).toEqual(new Set(['503 database_unavailable']));
    for (const id of acknowledged) {
      expect((await cp.api('GET', `/tenants/${id}`)).status).toBe(200);
    }
    const after = await cp.api<{ id: string }>('POST', '/tenants', { name: 'after-outage' });
    expect(after.status).toBe(201);
    for (const id of [tenants.before, after.body.id]) {
      expect((await cp.api('GET', `/tenants/${id}`)).status).toBe(200);
    }
    expect((await readyz()).status).toBe(200);
    await eventually('the reconciler to lead again', () =>
      (cp.output.match(/now runs the reconciler/g)?.length ?? 0) >= 2 ? true : undefined,
    );
    expect(cp.running).toBe(true);
    expect(cp.output).not.toMatch(/unhandled ?rejection/i);
  });
});

describe('a leader process killed with a standby beside it', () => {
  it('hands the reconciler to the standby within the leadership retry interval', async () => {
    const standbyDir = mkdtempSync(join(tmpdir(), 'agentpod-outage-standby-'));
    standby = new ControlPlaneProcess({
      DATABASE_URL: pg.url,
      AGENTPOD_DATA_DIR: standbyDir,
      AGENTPOD_SECRET_KEY: secretKey,
      AGENTPOD_POD_SUBNET_POOL: '10.219.0.0/16',
      AGENTPOD_SWEEP_DRY_RUN: 'true',
    });
    try {
      await standby.start();
      standby.token = cp.token;
      expect((await readyz(cp)).body.role).toBe('leader');
      expect(await readyz(standby)).toMatchObject({ status: 200, body: { role: 'standby' } });
      const killedAt = Date.now();
      await cp.kill();
      await eventually(
        'the standby to lead',
        async () =>
          (await readyz(standby as ControlPlaneProcess)).body.role === 'leader' ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const takeoverMs = Date.now() - killedAt;
      // Its API was up all along; now it reconciles too.
      expect((await standby.api('GET', '/tenants')).status).toBe(200);
      console.info(`takeover figures: the standby led ${takeoverMs} ms after the leader's SIGKILL`);
    } finally {
      await standby.stop();
      rmSync(standbyDir, { recursive: true, force: true });
    }
  });
});
