// Chromium for the browser tests, in a network namespace of its own.
//
// Chromium aborts every request in flight (net::ERR_NETWORK_CHANGED) when the machine's network
// interfaces change, and on a Docker host they change whenever a container or a network comes
// or goes: with test files running side by side, at any moment. A request aborted that way
// made a page navigation vanish in CI. In a namespace of its own Chromium sees only its own
// interface, as a browser on another machine would, and reaches the host through a veth pair.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';

const run = promisify(execFile);

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Debian's Chromium in a new network namespace whose default route is the host, so
 * every address of the host (its LAN address, a bridge's gateway) is reachable from it. The
 * namespace goes when the browser closes.
 */
export async function launchIsolatedChromium(args: string[]): Promise<Browser> {
  const tag = `${process.pid.toString(36)}${randomInt(36 ** 3).toString(36)}`;
  const ns = `apchr-${tag}`;
  const hostSide = `apch${tag}`.slice(0, 15);
  // A /30 in 10.239.0.0/16 (no pod pool or Docker default uses it); a clash fails loudly below.
  const base = randomInt(16_384) * 4;
  const net = `10.239.${base >> 8}.${base & 255}`;
  const at = (n: number) => `10.239.${(base + n) >> 8}.${(base + n) & 255}`;
  const inNs = (...cmd: string[]) => run('ip', ['netns', 'exec', ns, ...cmd]);
  const dir = mkdtempSync(join(tmpdir(), 'agentpod-chromium-'));
  const cleanup = async () => {
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await run('ip', ['addr', 'add', `${at(1)}/30`, 'dev', hostSide]);
    await run('ip', ['link', 'set', hostSide, 'up']);
    await inNs('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
    await inNs('ip', 'addr', 'add', `${at(2)}/30`, 'dev', 'eth0');
    await inNs('ip', 'link', 'set', 'lo', 'up');
    await inNs('ip', 'link', 'set', 'eth0', 'up');
    await inNs('ip', 'route', 'add', 'default', 'via', at(1));
    // `nsenter`, not `ip netns exec`: the latter remounts /sys, which Chromium does not need
    // changed. Playwright talks to the browser over inherited pipes, which nsenter keeps.
    const wrapper = join(dir, 'chromium');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec nsenter --net=/var/run/netns/${ns} /usr/bin/chromium "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({
      executablePath: wrapper,
      args: [...CHROMIUM_ARGS, ...args],
    });
    browser.on('disconnected', () => void cleanup());
    return browser;
  } catch (err) {
    await cleanup();
    throw new Error(`could not start Chromium in its own network namespace (${net}/30)`, {
      cause: err,
    });
  }
}
