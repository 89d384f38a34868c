#!/usr/bin/env node
// Where the control plane's CPU went in a `perf record` (bench/fleet.mjs --perf DIR):
//
//   node bench/perf-summary.mjs DIR      reads DIR/perf.data, prints the shares
//
// The main thread's samples go to the innermost frame of AgentPod's own code on their stack
// (apps/*/dist/...), else to the innermost Node.js module (node:net for a probe's connect, whose
// kernel work is charged to the process that connects), else to what the leaf is. The other
// threads are V8's and libuv's helpers: garbage collection and JIT compilation, mostly.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** `perf script` output as samples: the thread id and the frames, innermost first. */
function samples(dir) {
  const script = spawnSync('perf', ['script', '-i', join(dir, 'perf.data'), '-F', 'tid,ip,sym'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr.trim()}`);
  const out = [];
  let current;
  for (const line of script.stdout.split('\n')) {
    if (line.trim() === '') {
      if (current) out.push(current);
      current = undefined;
    } else if (/^\s*\d+\s*$/.test(line)) {
      // The thread id, padded to the widest one.
      current = { tid: line.trim(), frames: [] };
    } else if (current) {
      // `<address> <symbol>`: the symbol alone.
      current.frames.push(line.trim().replace(/^[0-9a-f]+ /, ''));
    }
  }
  if (current) out.push(current);
  return out;
}

function mainThreadKey(frames) {
  for (const frame of frames) {
    const own = /(apps\/[\w-]+\/dist\/[\w/.-]+\.js)/.exec(frame);
    if (own) return own[1];
  }
  for (const frame of frames) {
    const builtin = /JS:\S* (node:[\w/]+)/.exec(frame);
    if (builtin && builtin[1] !== 'node:internal/process/task_queues') return builtin[1];
  }
  const stack = frames.join(' ');
  if (/uv__io_poll|epoll_wait/.test(stack)) return '(event loop: epoll)';
  if (/Heap::|Scavenge|MarkCompact/.test(stack)) return '(garbage collection)';
  if (/node_modules\/\.pnpm\/([^/]+)/.test(stack))
    return `(library: ${/node_modules\/\.pnpm\/([^/]+)/.exec(stack)[1]})`;
  return `(other: ${frames[0] ?? '?'})`;
}

function helperKey(frames) {
  const stack = frames.join(' ');
  if (/uv__fs_|uv__work/.test(stack)) return '(libuv thread pool)';
  if (/Concurrent|Marking|Sweeper|Scaveng|Heap/.test(stack)) return '(garbage collection)';
  if (/Compile|compiler::/.test(stack)) return '(JIT compilation)';
  return `(other: ${frames[0] ?? '?'})`;
}

function table(title, counts, total) {
  console.log(`\n${title}`);
  const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [key, n] of rows)
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${String(n).padStart(6)}  ${key}`);
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/perf-summary.mjs DIR (holding perf.data)');
const all = samples(dir);
// The main thread is the process's first: its id is the pid, the smallest of its threads.
const mainTid = String(Math.min(...all.map((s) => Number(s.tid))));
const main = new Map();
const helpers = new Map();
for (const { tid, frames } of all) {
  const into = tid === mainTid ? main : helpers;
  const key = tid === mainTid ? mainThreadKey(frames) : helperKey(frames);
  into.set(key, (into.get(key) ?? 0) + 1);
}
const count = (m) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(`${all.length} samples: main thread ${count(main)}, helper threads ${count(helpers)}`);
table('main thread, by innermost own frame (% of all samples)', main, all.length);
table('helper threads (% of all samples)', helpers, all.length);
