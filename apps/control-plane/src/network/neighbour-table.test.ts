import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NeighbourTableWatch,
  neighbourTableWarning,
  readNeighbourLimits,
} from './neighbour-table.js';

const DEBIAN = { gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024 };

describe('neighbourTableWarning', () => {
  it('says nothing while the pods fit with room to spare', () => {
    expect(neighbourTableWarning(0, DEBIAN)).toBeNull();
    expect(neighbourTableWarning(409, DEBIAN)).toBeNull();
  });

  it('warns near gc_thresh2, naming the limits and settings that fit four times the pods', () => {
    const warning = neighbourTableWarning(410, DEBIAN);
    expect(warning).toContain('410 running pods');
    expect(warning).toContain('keeps about 512 entries');
    expect(warning).toContain(
      'sysctl -w net.ipv4.neigh.default.gc_thresh1=4096 net.ipv4.neigh.default.gc_thresh2=8192 net.ipv4.neigh.default.gc_thresh3=16384',
    );
  });

  it('scales the advice with the fleet, and is quiet once the limits were raised', () => {
    expect(neighbourTableWarning(5_000, DEBIAN)).toContain(
      'gc_thresh1=16384 net.ipv4.neigh.default.gc_thresh2=32768 net.ipv4.neigh.default.gc_thresh3=65536',
    );
    const raised = { gcThresh1: 4096, gcThresh2: 8192, gcThresh3: 16384 };
    expect(neighbourTableWarning(1_000, raised)).toBeNull();
  });
});

describe('readNeighbourLimits', () => {
  it('reads the three thresholds, and gives null where they cannot be read', () => {
    const root = mkdtempSync(join(tmpdir(), 'agentpod-proc-'));
    try {
      expect(readNeighbourLimits(root)).toBeNull();
      const dir = join(root, 'sys/net/ipv4/neigh/default');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'gc_thresh1'), '128\n');
      writeFileSync(join(dir, 'gc_thresh2'), '512\n');
      writeFileSync(join(dir, 'gc_thresh3'), '1024\n');
      expect(readNeighbourLimits(root)).toEqual(DEBIAN);
      writeFileSync(join(dir, 'gc_thresh3'), 'garbage\n');
      expect(readNeighbourLimits(root)).toBeNull();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads this machine’s own values', () => {
    const limits = readNeighbourLimits();
    expect(limits).not.toBeNull();
    expect(limits?.gcThresh3).toBeGreaterThanOrEqual(limits?.gcThresh2 ?? Number.POSITIVE_INFINITY);
  });
});

describe('NeighbourTableWatch', () => {
  it('warns once as the fleet outgrows the table, and says when a raise made room', () => {
    const lines: string[] = [];
    const logger = {
      warn: (m: string) => lines.push(`warn: ${m.slice(0, 16)}`),
      info: (m: string) => lines.push(`info: ${m}`),
    };
    let limits = DEBIAN;
    let reads = 0;
    const clock = { now: 0 };
    const watch = new NeighbourTableWatch(
      logger,
      () => {
        reads++;
        return limits;
      },
      () => clock.now,
    );
    watch.observe(100);
    watch.observe(450);
    watch.observe(460);
    expect(lines).toEqual(['warn: 450 running pods']);
    // The operator raises the limits; seen at the next read, a minute after the last.
    limits = { gcThresh1: 4096, gcThresh2: 8192, gcThresh3: 16384 };
    clock.now = 30_000;
    watch.observe(460);
    expect(lines).toHaveLength(1);
    clock.now = 60_000;
    watch.observe(460);
    expect(lines).toEqual([
      'warn: 450 running pods',
      'info: the neighbour table has room for the 460 running pods again',
    ]);
    expect(reads).toBe(2);
  });

  it('stays silent where the limits cannot be read', () => {
    const lines: string[] = [];
    const watch = new NeighbourTableWatch(
      { warn: (m) => lines.push(m), info: (m) => lines.push(m) },
      () => null,
    );
    watch.observe(10_000);
    expect(lines).toEqual([]);
  });
});
