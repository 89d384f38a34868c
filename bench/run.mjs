#!/usr/bin/env node
// AgentPod's benchmarks (issue 10's targets P1-P6), each against its baseline measured in the
// same run: compare ratios, not absolute times. Needs scripts/test-env.sh and a build.
//
//   node bench/run.mjs                  every benchmark, full size; figures as JSON on stdout
//                                       (docs/performance.md records the last full run)
//   node bench/run.mjs api              one of them (api, fleet, detection, provision, files,
//                                       resync)
//   node bench/run.mjs fleet --size 500 the fleet benchmark at 500 pods
//   node bench/run.mjs files --size 1000 new pods' files beside 1,000 running containers
//     --raw-layouts shared              only the shared-bridge raw baseline (the faster one)
//     --db pglite                       the control plane on its embedded PGlite, first start
//     --idle-seconds 90                 a shorter idle phase than the default five minutes
//   node bench/run.mjs --smoke --out F  tiny sizes, figures to F as JSON, docs untouched (CI)
//   node bench/run.mjs fleet --profile D the control plane under --cpu-prof, its profile in D;
//                                        then `node bench/profile-summary.mjs D` (idle phase)
//   node bench/run.mjs fleet --perf D   `perf record` of the control plane's idle phase in D,
//                                        with a flat report by symbol in D/report.txt and
//                                        the shares by module in D/summary.txt (perf-summary.mjs)
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machine } from './lib.mjs';

const BENCHES = {
  api: () => import('./api.mjs'),
  fleet: () => import('./fleet.mjs'),
  detection: () => import('./detection.mjs'),
  provision: () => import('./provision.mjs'),
  files: () => import('./files.mjs'),
  resync: () => import('./resync.mjs'),
};

const { values, positionals } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    /** Pods for the fleet benchmark (default 100); running containers beside files (300). */
    size: { type: 'string' },
    /** A folder for a CPU profile of the control plane (fleet only; no raw baseline then). */
    profile: { type: 'string' },
    /** Fleet only: `perf record` the control plane over the idle phase into this folder. */
    perf: { type: 'string' },
    /** Fleet only: skip the raw Docker baselines (for footprint figures at a large size). */
    'no-raw': { type: 'boolean', default: false },
    /** Fleet only: the raw layouts to run, `per-pod,shared` (default) or one of them. */
    'raw-layouts': { type: 'string', default: 'per-pod,shared' },
    /** Fleet only: `postgres` (a scratch database on the test server) or `pglite` (embedded). */
    db: { type: 'string', default: 'postgres' },
    /** Fleet only: how long the idle phase lasts (default 300: one of every periodic pass). */
    'idle-seconds': { type: 'string' },
  },
  allowPositionals: true,
});
if (values.size !== undefined && !/^[1-9]\d*$/.test(values.size))
  throw new Error(`--size must be a whole number of pods, not "${values.size}"`);
const size = values.size ? Number(values.size) : undefined;
if (values['idle-seconds'] !== undefined && !/^[1-9]\d*$/.test(values['idle-seconds']))
  throw new Error(`--idle-seconds must be a whole number, not "${values['idle-seconds']}"`);
const rawLayouts = values['raw-layouts'].split(',');
for (const layout of rawLayouts)
  if (layout !== 'per-pod' && layout !== 'shared')
    throw new Error(`--raw-layouts takes per-pod and shared, not "${layout}"`);
if (values.db !== 'postgres' && values.db !== 'pglite')
  throw new Error(`--db takes postgres or pglite, not "${values.db}"`);
const names = positionals.length > 0 ? positionals : Object.keys(BENCHES);
for (const name of names) if (!BENCHES[name]) throw new Error(`no benchmark named ${name}`);

const results = {
  date: new Date().toISOString(),
  machine: machine(),
  smoke: values.smoke,
  benches: {},
};
for (const name of names) {
  const started = Date.now();
  console.error(`[bench] ${name}${values.smoke ? ' (smoke)' : ''}`);
  const { run } = await BENCHES[name]();
  results.benches[name] = await run({
    smoke: values.smoke,
    size,
    profileDir: values.profile,
    perfDir: values.perf,
    noRaw: values['no-raw'],
    rawLayouts,
    database: values.db,
    idleSeconds: values['idle-seconds'] ? Number(values['idle-seconds']) : undefined,
  });
  console.error(`[bench] ${name} done in ${Math.round((Date.now() - started) / 1000)} s`);
}
const json = `${JSON.stringify(results, null, 2)}\n`;
if (values.out) writeFileSync(values.out, json);
else process.stdout.write(json);
