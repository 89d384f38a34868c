// The dashboard end to end, on the real stack: the built `agentpod server` on PostgreSQL, the
// real Docker daemon with the real OpenClaw gateway image and the Open WebUI stand-in, the Caddy
// container AgentPod runs (routing console.<base domain> to the built dashboard server), and
// real Chromium over HTTPS from the host's non-loopback address. Each `it` builds on the one
// before, as an operator's session would; nothing waits for time, only for what the page shows.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceList, PodWithStatus } from '@agentpod/shared';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ControlPlaneProcess } from '../../../control-plane/src/e2e/testing.js';
import { type DockerHost, execInContainer } from '../../../control-plane/src/runtime/index.js';
import { eventually } from '../../../control-plane/src/runtime/testing.js';
import {
  type DashboardProcess,
  hasAttribute,
  hasCount,
  hasText,
  launchChromium,
  seriousViolations,
  shows,
} from './harness.js';
import { Stack } from './stack.js';

const DOMAIN = 'agents.test';
const SUBNET_POOL = '10.226.0.0/16';
const ADMIN = { name: 'Ops', email: 'ops@example.com', password: 'correct-horse-battery' };
const SCREENSHOTS = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../../test-results/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };

let stack: Stack;
let docker: DockerHost;
let cp: ControlPlaneProcess;
let dashboard: DashboardProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let origin: string;
const memory: Record<string, number> = {};
const browserErrors: string[] = [];

beforeAll(async () => {
  stack = await Stack.start({ domain: DOMAIN, subnetPool: SUBNET_POOL });
  ({ cp, dashboard, docker, origin } = stack);
  browser = await launchChromium(DOMAIN, stack.address);
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
  page = await context.newPage();
  page.on('pageerror', (err) => browserErrors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') browserErrors.push(m.text());
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (Object.keys(memory).length > 0) console.log('dashboard RSS (MiB):', JSON.stringify(memory));
});

// One session: after a step fails the later ones cannot mean anything, so they are skipped,
// and the failed step leaves a screenshot and the servers' last words.
let failed = false;
beforeEach((ctx) => {
  if (failed) ctx.skip();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || failed) return;
  failed = true;
  await page?.screenshot({ path: join(RESULTS, 'dashboard-failure.png'), fullPage: true });
  console.log(
    `page at ${page?.url()}:\n${
      (await page
        ?.locator('body')
        .allInnerTexts()
        .catch(() => [])) ?? ''
    }`,
  );
  console.log(`browser errors:\n${browserErrors.join('\n')}`);
  console.log(`dashboard:\n${dashboard?.output.slice(-3000)}`);
  console.log(`control plane:\n${cp?.output.slice(-3000)}`);
});

async function expectAccessible(what: string) {
  expect(await seriousViolations(page), what).toEqual([]);
}

/** Desktop and phone screenshots of the page as it is, for the README. */
async function screenshots(name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

/** Marks the document: still marked later means the page was never reloaded. */
async function markPage() {
  await page.evaluate(() => {
    (window as unknown as { unreloaded: boolean }).unreloaded = true;
  });
}
async function expectNotReloaded() {
  expect(
    await page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded),
  ).toBe(true);
}

async function podBySubdomain(subdomain: string): Promise<PodWithStatus> {
  const { body } = await cp.api<{ items: PodWithStatus[] }>('GET', '/pods?limit=200');
  const pod = body.items.find((p) => p.subdomain === subdomain);
  if (!pod) throw new Error(`no pod at ${subdomain}`);
  return pod;
}

/** The create form gave way to the progress view, or the form's own error is the failure. */
async function submitted() {
  const progress = page.locator('[data-step="image"]');
  const refused = page.locator('form [role="alert"]');
  await progress.or(refused).first().waitFor({ timeout: 30_000 });
  if (await refused.count()) throw new Error(`the form refused: ${await refused.allInnerTexts()}`);
}

const timeline = () => page.getByRole('list', { name: 'Events' });
const connection = () => page.locator('[data-connection]');
let openclaw: PodWithStatus;

describe('the dashboard on the real stack', () => {
  it('creates the first admin on first run, refuses a wrong password, signs in and out', async () => {
    await page.goto(`${origin}/`);
    await shows(page.getByRole('heading', { name: 'Create the first admin' }));
    await expectAccessible('setup');
    await page.getByLabel('Name').fill(ADMIN.name);
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create the first admin' }).click();
    await shows(page.getByRole('link', { name: 'Create your first agent' }));
    await hasAttribute(connection(), 'data-connection', 'live');
    await expectAccessible('empty pod list');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await shows(page.getByText('You are signed out.'));
    await expectAccessible('login');
    // The session is gone with the cookie: a page behind the login sends us back.
    await page.goto(`${origin}/pods`);
    await shows(page.getByRole('heading', { name: 'Sign in' }));

    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shows(page.getByText('Wrong e-mail or password.'));

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shows(page.getByRole('heading', { name: 'Pods' }));
    const cookies = await context.cookies(origin);
    expect(cookies.find((c) => c.name === 'agentpod_session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
    });
  });

  it('creates and renames a tenant', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Tenants' }).click();
    await page.getByLabel('Name', { exact: true }).fill('alice');
    await page.getByLabel('Display name').fill('Alice Ltd');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const card = page.locator('[data-tenant="alice"]');
    await shows(card.getByText('Alice Ltd'));
    await card.getByRole('button', { name: 'Rename Alice Ltd' }).click();
    await page.getByRole('dialog').getByLabel('Display name').fill('Alice GmbH');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await shows(card.getByText('Alice GmbH'));
    await expectAccessible('tenants');
  });

  it('creates an OpenClaw pod through the generated form and watches it turn healthy without a reload', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'New agent' }).click();
    await page.getByRole('radio', { name: /OpenClaw/ }).check();
    const subdomain = page.getByLabel('Subdomain');
    await subdomain.fill('console');
    await hasAttribute(page.locator('[data-field="subdomain"]'), 'data-check', 'taken');
    await subdomain.fill('alice');
    await hasAttribute(page.locator('[data-field="subdomain"]'), 'data-check', 'available');
    await page.getByLabel('Model').fill('not a model');
    await page.getByLabel('Provider API key').fill('sk-ant-first-not-real');
    await page.getByRole('button', { name: /^Create OpenClaw/ }).click();
    // Checked in the page against the schema's pattern, before anything is sent.
    await hasText(page.locator('[data-field="config.model"] [role="alert"]'), /must match/);
    await page.getByLabel('Model').fill('anthropic/claude-opus-5');
    await expectAccessible('create form');
    await screenshots('create');

    await markPage();
    await page.getByRole('button', { name: /^Create OpenClaw/ }).click();
    await submitted();
    for (const step of ['image', 'create', 'start', 'healthy']) {
      await hasAttribute(page.locator(`[data-step="${step}"]`), 'data-state', 'done', {
        timeout: 150_000,
      });
    }
    await expectNotReloaded();
    openclaw = await podBySubdomain('alice');
    expect(openclaw.status).toMatchObject({ phase: 'running', health: 'healthy' });
  }, 200_000);

  it('shows the pod with its logs as they arrive, and its CPU and memory', async () => {
    await page.getByRole('link', { name: 'Open the pod' }).click();
    await shows(page.getByRole('heading', { name: openclaw.name }));
    await hasText(
      page.getByRole('region', { name: 'Status' }).locator('[data-health]'),
      /^healthy$/,
    );
    const log = page.getByRole('region', { name: 'Log lines' });
    await hasText(log, /^(?![\s\S]*Waiting for log lines)[\s\S]*\S/, { timeout: 30_000 });
    expect(await log.textContent()).not.toContain('Waiting for log lines');
    await hasText(page.locator('[data-usage="memory"]').first(), /MiB/, {
      timeout: 30_000,
    });
    await shows(page.locator('[data-chart="memoryMb"] .recharts-area-area'));
    memory.afterLoginAndPages = dashboard.rssMb();
    await expectAccessible('pod detail');
    await screenshots('detail');
  });

  it('replaces a secret without showing it, changes the config and restarts, each step on the timeline', async () => {
    await markPage();
    await page.getByLabel('Model').fill('anthropic/claude-sonnet-5');
    await page.getByRole('button', { name: 'Replace provider API key' }).click();
    await page.getByLabel('New provider API key').fill('sk-ant-second-not-real');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await shows(page.getByText('Saved. The agent restarts'));
    // Written, never shown back: not in an input, not in the page.
    expect(await page.content()).not.toContain('sk-ant-second-not-real');
    await shows(page.locator('[data-secret-state="set"]'));
    await shows(timeline().locator('[data-reason="Recreated"]'), {
      timeout: 60_000,
    });
    // Healthy again: the new container's own Healthy event. The status shown can still be the old
    // container's for a moment after Recreated arrives, and a restart asked for before the new
    // container started is fulfilled by that start (no Restarted would follow).
    await hasCount(timeline().locator('[data-reason="Healthy"]'), 2, { timeout: 90_000 });
    await hasText(
      page.getByRole('region', { name: 'Status' }).locator('[data-health]'),
      /^healthy$/,
    );
    const raw = await docker.docker.getContainer(`agentpod-${openclaw.id}`).inspect();
    expect(raw.Config.Env?.some((e) => e.endsWith('=sk-ant-second-not-real'))).toBe(true);

    const asked = (await podBySubdomain('alice')).restartRequestedAt;
    await page.getByRole('button', { name: 'Restart' }).click();
    // Two halves, so a failure says which one: the click reached the API, then the agent restarted.
    await eventually(
      'the restart request stored',
      async () => (await podBySubdomain('alice')).restartRequestedAt !== asked || undefined,
      { timeoutMs: 30_000 },
    );
    await shows(timeline().locator('[data-reason="Restarted"]'), {
      timeout: 60_000,
    });
    await hasText(page.locator('[data-restarts]'), /^1$/, { timeout: 60_000 });
    await expectNotReloaded();
  }, 200_000);

  it('pairs a browser: the request appears live, is approved here, and the Control UI connects on its own', async () => {
    await hasText(
      page.getByRole('region', { name: 'Status' }).locator('[data-health]'),
      /^healthy$/,
      { timeout: 90_000 },
    );
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const link = (await page.locator('[data-access-link]').textContent()) ?? '';
    expect(link).toMatch(new RegExp(`^https://alice\\.${DOMAIN}:\\d+/#token=`));
    await page.keyboard.press('Escape');
    const devices = page.getByRole('region', { name: 'Devices' });
    // The panel's list is a run of the agent's CLI; one that failed while the gateway restarted
    // is tried again 5 s later, so the first good list can come ~25 s after healthy on CI.
    await shows(devices.getByText('No browser is waiting.'), { timeout: 60_000 });

    const tenantBrowser = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const controlUi = await tenantBrowser.newPage();
      await controlUi.goto(link);
      await shows(controlUi.getByText(/approve this browser/i), { timeout: 60_000 });
      await controlUi.screenshot({ path: join(RESULTS, 'control-ui-waiting.png') });
      const waiting = devices.getByRole('list', { name: 'Waiting for approval' });
      await shows(waiting.getByRole('button', { name: 'Approve' }), {
        timeout: 60_000,
      });
      await expectNotReloaded();
      await waiting.getByRole('button', { name: 'Approve' }).click();
      // The decision is two runs of the agent's own CLI in its container (approve, then list):
      // ~3 s each here, ~10 s each on a loaded 2-core CI host against a gateway that has just
      // restarted (seen: the buttons still disabled at 20 s, the list answered at 21 s).
      await hasCount(devices.getByRole('list', { name: 'Paired' }).locator('li'), 1, {
        timeout: 60_000,
      });
      // The panel's read, a route of the dashboard's: the session's alone, with problem details.
      const read = (path: string, credentials: RequestCredentials) =>
        page.evaluate(
          async ([p, c]) => {
            const res = await fetch(p, { credentials: c });
            return { status: res.status, body: await res.json() };
          },
          [path, credentials] as const,
        );
      const route = `/api/pods/${openclaw.id}/devices`;
      const mine = await read(route, 'same-origin');
      expect(mine.status).toBe(200);
      expect((mine.body as DeviceList).paired).toHaveLength(1);
      const anonymous = await read(route, 'omit');
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthorized']);
      const notAPod = await read('/api/pods/not-a-pod/devices', 'same-origin');
      expect([notAPod.status, notAPod.body.code]).toEqual([400, 'validation_failed']);
      await shows(timeline().locator('[data-reason="DeviceApproved"]'));
      // Connected: the approval notice is gone and the chat's input is there.
      await shows(controlUi.getByPlaceholder(/message/i), { timeout: 60_000 });
      await hasCount(controlUi.getByText(/approve this browser/i), 0);
      await controlUi.screenshot({ path: join(RESULTS, 'control-ui-paired.png') });
    } finally {
      await tenantBrowser.close();
    }
  }, 200_000);

  it('says when the live connection drops, reconnects, and shows what happened meanwhile', async () => {
    await markPage();
    await hasAttribute(connection(), 'data-connection', 'live');
    await cp.kill();
    await hasAttribute(connection(), 'data-connection', 'down');
    await hasText(connection(), /Disconnected/);
    // While nobody watches, the agent crashes; Docker brings it back on its own.
    const killed = await execInContainer(docker, `agentpod-${openclaw.id}`, [
      'sh',
      '-c',
      'kill -KILL $(pidof node)',
    ]);
    expect(killed.exitCode).toBe(0);
    await cp.start();
    await hasAttribute(connection(), 'data-connection', 'live', { timeout: 60_000 });
    await shows(timeline().locator('[data-reason="Died"]'), { timeout: 60_000 });
    const ids = await timeline()
      .locator('[data-event-id]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event-id')));
    expect(new Set(ids).size).toBe(ids.length);
    await expectNotReloaded();
  }, 150_000);

  it('creates an Open WebUI pod through the same form and shows its first admin password once', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'New agent' }).click();
    await page.getByRole('radio', { name: /Open WebUI/ }).check();
    await page.getByLabel('Admin email').fill('admin@alice.example');
    await page.getByLabel('Subdomain').fill('alice-chat');
    await hasAttribute(page.locator('[data-field="subdomain"]'), 'data-check', 'available');
    await page.getByRole('button', { name: /^Create Open WebUI/ }).click();
    await submitted();
    await shows(page.getByText('Shown only this once'));
    await hasText(page.locator('[data-secret="adminPassword"]'), /^[A-Za-z0-9_-]{43}$/);
    await hasAttribute(page.locator('[data-step="healthy"]'), 'data-state', 'done', {
      timeout: 120_000,
    });

    await page.getByRole('navigation').getByRole('link', { name: 'Pods' }).click();
    await page.waitForURL(/\/pods$/, { timeout: 30_000 });
    await shows(page.getByRole('list', { name: 'Pods' }), { timeout: 30_000 });
    await hasCount(page.locator('[data-pod-id]'), 2);
    await hasText(page.locator('[data-usage="memory"]').first(), /MiB/, {
      timeout: 30_000,
    });
    await expectAccessible('pod list');
    await screenshots('list');
    await page.getByLabel('Search').fill('chat');
    await hasCount(page.locator('[data-pod-id]'), 1);
    await page.getByLabel('Search').fill('');
  }, 200_000);

  it('refuses to delete a tenant that has pods, and says why', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Tenants' }).click();
    await page
      .locator('[data-tenant="alice"]')
      .getByRole('button', { name: /^Delete/ })
      .click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete tenant' }).click();
    await hasText(page.getByRole('alertdialog').getByRole('alert'), /pod/);
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('deletes both pods, one with its data', async () => {
    for (const [subdomain, purge] of [
      ['alice', false],
      ['alice-chat', true],
    ] as const) {
      const pod = await podBySubdomain(subdomain);
      await page.goto(`${origin}/pods/${pod.id}`);
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      if (purge) await page.getByLabel(/purge/).check();
      await page
        .getByRole('alertdialog')
        .getByRole('button', { name: purge ? 'Delete and purge' : 'Delete' })
        .click();
      // The page stays and shows the deletion as it happens.
      await shows(page.getByText('This pod is deleted.'), { timeout: 60_000 });
      await eventually(
        `${subdomain} deleted`,
        async () => {
          const { body } = await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`);
          return body.status.phase === 'deleted' ? body : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      await page.getByRole('link', { name: 'All pods' }).click();
      await hasCount(page.locator(`[data-pod-id="${pod.id}"]`), 0);
    }
    await shows(page.getByRole('link', { name: 'Create your first agent' }));
    memory.afterSession = dashboard.rssMb();
  }, 150_000);
});
