// The benchmarks are not timed tests: CI runs them at tiny sizes to prove they still work (they
// start the built control plane, load it, and measure its baseline in the same run).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const RUNNER = fileURLToPath(new URL('../../../../bench/run.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'agentpod-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench/run.mjs --smoke', () => {
  it('measures the API against a bare Fastify route serving the same bytes', () => {
    const out = join(dir, 'api.json');
    execFileSync(process.execPath, [RUNNER, 'api', '--smoke', '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 110_000,
    });
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result).toMatchObject({ smoke: true, benches: { api: { database: 'postgres' } } });
    const routes = result.benches.api.routes;
    expect(Object.keys(routes)).toEqual(['one', 'page']);
    type Side = { rps: number; errors: number };
    type Route = { agentpod: Side; limit: Side; bytes: number; ratio: number };
    for (const route of Object.values(routes) as Route[]) {
      // Every request answered 200 on both sides, and both served the same number of bytes.
      expect(route.agentpod.errors).toBe(0);
      expect(route.limit.errors).toBe(0);
      expect(route.agentpod.rps).toBeGreaterThan(0);
      expect(route.limit.rps).toBeGreaterThan(0);
      expect(route.bytes).toBeGreaterThan(500);
      expect(route.ratio).toBe(Math.round((route.agentpod.rps / route.limit.rps) * 100) / 100);
    }
  });

  it('converges a small fleet through the API beside raw Docker, idles it and deletes it', () => {
    const result = smoke('fleet');
    const fleet = result.benches.fleet;
    expect(fleet.pods).toBe(3);
    const a = fleet.agentpod;
    // Each phase was waited for in order, so each mark comes after the one before.
    expect(a.answeredMs).toBeGreaterThan(0);
    expect(a.runningMs).toBeGreaterThanOrEqual(a.answeredMs);
    expect(a.healthyMs).toBeGreaterThanOrEqual(a.runningMs);
    expect(a.deletedMs).toBeGreaterThan(0);
    expect(a.idle.rssMb).toBeGreaterThan(20);
    expect(a.idle.peakRssMb).toBeGreaterThanOrEqual(a.idle.rssMb);
    expect(a.idle.cpuMs).toBeGreaterThanOrEqual(0);
    // The converge's aftermath is measured apart from the idle window that follows it.
    expect(a.idle.settle.seconds).toBe(0.5);
    expect(a.idle.settle.cpuMs).toBeGreaterThanOrEqual(0);
    expect(fleet.database).toBe('postgres');
  }, 300_000);

  it('runs the fleet on the embedded PGlite from a first start, and reports the process that created the database', () => {
    const fleet = smoke('fleet', '--db', 'pglite', '--no-raw').benches.fleet;
    expect(fleet).toMatchObject({ pods: 3, database: 'pglite', raw: null });
    expect(fleet.agentpod.healthyMs).toBeGreaterThanOrEqual(fleet.agentpod.runningMs);
    expect(fleet.agentpod.idle.peakRssMb).toBeGreaterThanOrEqual(fleet.agentpod.idle.rssMb);
    // The creating process's peak is its own, beside the control plane's.
    expect(fleet.agentpod.idle.databaseCreation.ms).toBeGreaterThan(0);
    expect(fleet.agentpod.idle.databaseCreation.peakRssMb).toBeGreaterThan(100);
  }, 300_000);

  it('measures death-to-restart and failed-probes-to-restart on one pod', () => {
    const result = smoke('detection');
    const d = result.benches.detection;
    expect(d.deathToStartMs).toHaveLength(1);
    expect(d.failedProbesToStartMs).toHaveLength(1);
    // A restart comes after what caused it: both figures are real, positive durations.
    for (const v of [...d.deathToStartMs, ...d.failedProbesToStartMs]) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
  }, 300_000);
});

describe('bench/run.mjs --smoke, one pod', () => {
  it('times one pod to running and healthy beside the raw Docker sequence', () => {
    const p = smoke('provision').benches.provision;
    expect(p.trials).toBe(1);
    for (const side of [p.raw, p.agentpod]) {
      expect(side.runningMs).toBeGreaterThan(0);
      // Healthy means answering, which needs running first.
      expect(side.healthyMs).toBeGreaterThanOrEqual(side.runningMs);
    }
    expect(p.ratio.running).toBe(Math.round((p.agentpod.runningMs / p.raw.runningMs) * 100) / 100);
  }, 300_000);

  it("writes new pods' files one archive each and through one helper, the same bytes both ways", () => {
    const f = smoke('files').benches.files;
    expect(f).toMatchObject({ background: 0, pods: 2 });
    expect(f.trials.direct).toHaveLength(1);
    expect(f.trials.helper).toHaveLength(1);
    for (const side of ['direct', 'helper'] as const) {
      expect(f.trials[side][0].wallMs).toBeGreaterThan(0);
      expect(f.perPod[side].wallMs).toBe(Math.round(f.trials[side][0].wallMs / f.pods));
    }
  }, 300_000);

  it("times the resync's pass over its pods' containers beside a bare listing of them, and leaves none", () => {
    const r = smoke('resync').benches.resync;
    expect(r.passes).toBe(3);
    expect(r.sizes).toHaveLength(1);
    const [three] = r.sizes;
    // The bench itself refuses a listing that missed a pod or a pass that queued a settled one.
    expect(three.pods).toBe(3);
    expect(three.listingBytes).toBeGreaterThan(1000);
    for (const side of [three.agentpod, three.floor]) {
      expect(side.cpuMsMedian).toBeGreaterThan(0);
      expect(side.cpuMsMax).toBeGreaterThanOrEqual(side.cpuMsMedian);
      expect(side.wallMsMedian).toBeGreaterThan(0);
    }
    const left = execFileSync('docker', ['ps', '-aq', '--filter', 'label=agentpod.bench=resync']);
    expect(left.toString().trim()).toBe('');
  }, 300_000);
});

function smoke(name: string, ...args: string[]) {
  const out = join(dir, `${name}${args.join('')}.json`);
  execFileSync(process.execPath, [RUNNER, name, '--smoke', '--out', out, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 280_000,
  });
  return JSON.parse(readFileSync(out, 'utf8'));
}
