#!/usr/bin/env node
// What the control plane spent its CPU on while idle: reads the .cpuprofile that
// `node bench/run.mjs fleet --profile DIR` left in DIR, keeps the samples of the idle phase
// (DIR/idle-window.json) and prints, largest first, self time by file, time with each file on
// the stack, and self time by function.
//
//   node bench/profile-summary.mjs DIR [--top 30]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' } },
  allowPositionals: true,
});
const dir = positionals[0];
if (!dir) throw new Error('usage: node bench/profile-summary.mjs DIR [--top N]');
const top = Number(values.top);
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}: did the control plane exit cleanly?`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const window = JSON.parse(readFileSync(join(dir, 'idle-window.json'), 'utf8'));
const from = Number(window.fromUs);
const to = Number(window.toUs);

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const root = process.cwd();
const where = (cf) => {
  const url = cf.url.replace(/^file:\/\//, '');
  const short = url.startsWith(root) ? relative(root, url) : url;
  return short.replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
};

// Sample i was taken at startTime + the sum of the first i+1 deltas. Each sample stands for one
// sampling interval (the median gap), not for the gap after it: on a busy machine the process
// waits for a core between two samples, and that wait is not CPU time.
const gaps = [...profile.timeDeltas].sort((a, b) => a - b);
const interval = gaps[Math.floor(gaps.length / 2)];
const selfByFn = new Map();
const selfByFile = new Map();
// Time with the file anywhere on the stack (each file counted once per sample): who caused it.
const totalByFile = new Map();
let t = profile.startTime;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  if (t < from || t > to) continue;
  const cf = nodes.get(profile.samples[i]).callFrame;
  const fn = `${cf.functionName || '(anonymous)'} ${where(cf) || ''}:${cf.lineNumber + 1}`;
  const f = where(cf) || cf.functionName;
  selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + interval);
  selfByFile.set(f, (selfByFile.get(f) ?? 0) + interval);
  const onStack = new Set();
  for (let id = profile.samples[i]; id !== undefined; id = parentOf.get(id)) {
    const url = where(nodes.get(id).callFrame);
    if (url) onStack.add(url);
  }
  for (const u of onStack) totalByFile.set(u, (totalByFile.get(u) ?? 0) + interval);
  total += interval;
}

const idle = selfByFn.get('(idle) :0') ?? 0;
const busy = total - idle;
const ms = (us) => (us / 1000).toFixed(1).padStart(9);
console.log(
  `idle phase ${((to - from) / 1e6).toFixed(1)} s: ${ms(busy)} ms on the CPU (profiler's view)`,
);
const print = (title, map) => {
  console.log(`\n${title}`);
  const rows = [...map.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [k, v] of rows)
    console.log(`${ms(v)} ms  ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
};
print('self time by file', selfByFile);
print('total time by file (on the stack)', totalByFile);
print('self time by function', selfByFn);
