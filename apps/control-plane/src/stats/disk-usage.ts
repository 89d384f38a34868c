// The disk a folder uses, counted as `du -skx` counts it: the blocks allocated to every entry,
// a file with several hard links once, nothing on another filesystem mounted below. Walked in
// this process when the daemon's volumes are on this machine and readable here: at a thousand
// pods a `du` exec'd in every pod every five minutes was a thousand exec sessions for dockerd
// and containerd; a walk is a few thousand lstat calls (stats/volume-usage.ts).
import { accessSync, constants, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Entries statted between two yields to the event loop. */
const BATCH = 256;

/** Whether this process can walk `path` (it exists, is a folder, and is readable here). */
export function canWalk(path: string): boolean {
  if (!path) return false;
  try {
    accessSync(path, constants.R_OK | constants.X_OK);
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Bytes allocated under `root`, or null past `deadline` (epoch ms): a volume with millions of
 * files is not measured rather than measured for minutes. Folders it may not read are skipped,
 * as du skips them (and counts the rest).
 */
export async function diskUsage(root: string, deadline: number): Promise<number | null> {
  let top: ReturnType<typeof lstatSync>;
  try {
    top = lstatSync(root);
  } catch {
    return null; // the volume went with its pod since the folder was found
  }
  const seen = new Set<number>();
  let blocks = top.blocks;
  let statted = 0;
  const folders = [root];
  while (folders.length > 0) {
    const folder = folders.pop() as string;
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (++statted % BATCH === 0) {
        await yieldToLoop();
        if (Date.now() > deadline) return null;
      }
      const path = join(folder, name);
      let stat: ReturnType<typeof lstatSync>;
      try {
        stat = lstatSync(path);
      } catch {
        continue; // removed while we looked
      }
      if (stat.dev !== top.dev) continue;
      if (stat.nlink > 1 && !stat.isDirectory()) {
        if (seen.has(stat.ino)) continue;
        seen.add(stat.ino);
      }
      blocks += stat.blocks;
      if (stat.isDirectory()) folders.push(path);
    }
  }
  return blocks * 512;
}
