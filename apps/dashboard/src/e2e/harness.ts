// Test support for the dashboard's browser tests: the built standalone server as a child process
// (as scripts/start.sh and the Docker image run it), its memory, Chromium with the flags this
// machine needs, and axe-core run inside a page.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchIsolatedChromium } from '../../../control-plane/src/e2e/chromium.js';

export const SERVER = fileURLToPath(
  new URL('../../.next/standalone/apps/dashboard/server.js', import.meta.url),
);

/** `node server.js` of the standalone build, on 127.0.0.1:`port`. */
export class DashboardProcess {
  private child: ChildProcess | undefined;
  output = '';

  constructor(private readonly opts: { port: number }) {}

  /** Starts it against the control plane at `apiUrl`; resolves once it listens. */
  async start(apiUrl: string): Promise<void> {
    if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run pnpm build first`);
    const child = spawn(process.execPath, [SERVER], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(this.opts.port),
        HOSTNAME: '127.0.0.1',
        AGENTPOD_API_URL: apiUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-50_000);
        if (/Ready in/.test(this.output)) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) =>
        reject(new Error(`dashboard exited with ${code}: ${this.output}`)),
      );
    });
  }

  /** Resident memory of the server process, in MiB (from /proc). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.child?.pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
    return Math.round(kb / 1024);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

/** Chromium that resolves every name under `domain` to `address` (where the proxy listens). */
export function launchChromium(domain: string, address: string): Promise<Browser> {
  return launchIsolatedChromium([`--host-resolver-rules=MAP *.${domain} ${address}`]);
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (none is the goal). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: () => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
    );
}

// Waiting for what the page shows (playwright-core has no `expect`): each polls the page's
// state until it holds or the time is up, and then says what it last saw.
type Wait = { timeout?: number };

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  { timeout = 20_000 }: Wait = {},
  page?: Page,
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  for (;;) {
    last = await read().catch(() => undefined as T);
    if (last !== undefined && ok(last)) return last;
    if (Date.now() > deadline) {
      // Where the page was and what it said: the failure message is often all a CI log keeps.
      const where = page ? ` at ${page.url()}, showing: ${await visibleText(page)}` : '';
      throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(last)}${where}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function visibleText(page: Page): Promise<string> {
  // First what a CI log cut at 2,000 characters would lose: alerts, and buttons still busy.
  const said = await page
    .locator('[role="alert"], [role="status"], button[disabled]')
    .allInnerTexts()
    .catch(() => []);
  const text = await page
    .locator('body')
    // biome-ignore lint/performance/useDomNodeTextContent: what the page shows, not Next's inline scripts
    .innerText({ timeout: 2_000 })
    .catch((err: Error) => `(unreadable: ${err.message})`);
  const flat = (t: string) => t.replace(/\s+/g, ' ').trim();
  const alerts = said.map(flat).filter(Boolean);
  return `${alerts.length > 0 ? `[alerts and busy buttons: ${JSON.stringify(alerts)}] ` : ''}${JSON.stringify(flat(text).slice(0, 2_000))}`;
}

export async function shows(locator: Locator, opts: Wait = {}): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: opts.timeout ?? 20_000 });
  } catch (err) {
    const page = locator.page();
    throw new Error(
      `${(err as Error).message.split('\n')[0]} at ${page.url()}, showing: ${await visibleText(page)}`,
      { cause: err },
    );
  }
}

export function hasAttribute(locator: Locator, name: string, value: string, opts: Wait = {}) {
  return until(
    `${locator} [${name}=${value}]`,
    () => locator.getAttribute(name, { timeout: 1_000 }),
    (v) => v === value,
    opts,
    locator.page(),
  );
}

export function hasText(locator: Locator, pattern: RegExp, opts: Wait = {}) {
  return until(
    `${locator} to match ${pattern}`,
    async () => (await locator.first().textContent({ timeout: 1_000 })) ?? '',
    (t) => pattern.test(t),
    opts,
    locator.page(),
  );
}

export function hasCount(locator: Locator, count: number, opts: Wait = {}) {
  return until(
    `${count} of ${locator}`,
    () => locator.count(),
    (n) => n === count,
    opts,
    locator.page(),
  );
}
