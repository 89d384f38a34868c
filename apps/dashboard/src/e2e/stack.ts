// The whole stack the dashboard's browser tests run against: the built `agentpod server` on a
// scratch PostgreSQL database with the managed Caddy proxy (the test Caddy image, free ports),
// the real agent images, and the built dashboard server that the proxy serves at
// console.<domain>. Everything it makes carries its installation id, and goes by that.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProxyStatus } from '@agentpod/shared';
import {
  ControlPlaneProcess,
  createScratchDatabase,
} from '../../../control-plane/src/e2e/testing.js';
import { detectHostAddress } from '../../../control-plane/src/host-address.js';
import { freePort } from '../../../control-plane/src/routing/testing.js';
import {
  type DockerHost,
  findContainerByName,
  LABEL_INSTALLATION,
} from '../../../control-plane/src/runtime/index.js';
import {
  eventually,
  removeTestObjects,
  testHost,
  testImage,
} from '../../../control-plane/src/runtime/testing.js';
import { DashboardProcess } from './harness.js';

export class Stack {
  private constructor(
    readonly docker: DockerHost,
    readonly cp: ControlPlaneProcess,
    readonly dashboard: DashboardProcess,
    /** `https://console.<domain>:<port>`, through the proxy. */
    readonly origin: string,
    /** The host's non-loopback address, where the proxy listens for browsers. */
    readonly address: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(opts: { domain: string; subnetPool: string }): Promise<Stack> {
    const docker = testHost();
    const address = detectHostAddress();
    if (!address) throw new Error('this machine has no non-loopback IPv4 address to test with');
    const db = await createScratchDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'agentpod-dashboard-'));
    const httpsPort = await freePort('0.0.0.0');
    const dashboardPort = await freePort('127.0.0.1');
    const cp = new ControlPlaneProcess({
      DATABASE_URL: db.url,
      AGENTPOD_DATA_DIR: dataDir,
      // A fixed port: the dashboard must find the control plane again after it restarts.
      AGENTPOD_PORT: String(await freePort('127.0.0.1')),
      AGENTPOD_BASE_DOMAIN: opts.domain,
      AGENTPOD_PROXY: 'managed',
      AGENTPOD_PROXY_HTTPS_PORT: String(httpsPort),
      AGENTPOD_PROXY_HTTP_PORT: String(await freePort('0.0.0.0')),
      AGENTPOD_PROXY_ADMIN_PORT: String(await freePort('127.0.0.1')),
      AGENTPOD_PROXY_IMAGE: testImage('CADDY'),
      AGENTPOD_IMAGE_OPENCLAW: testImage('OPENCLAW'),
      AGENTPOD_IMAGE_OPEN_WEBUI: testImage('OPEN_WEBUI_STANDIN'),
      AGENTPOD_POD_SUBNET_POOL: opts.subnetPool,
      AGENTPOD_CONSOLE_UPSTREAM: `127.0.0.1:${dashboardPort}`,
      AGENTPOD_STATS_INTERVAL_MS: '2000',
      // Other test files' labelled objects come and go while this runs: never sweep them.
      AGENTPOD_SWEEP_DRY_RUN: 'true',
    });
    const dashboard = new DashboardProcess({ port: dashboardPort });
    let installation = '';
    const cleanup = async () => {
      await dashboard.stop();
      await cp.stop();
      if (installation) await removeTestObjects(docker, { [LABEL_INSTALLATION]: installation });
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      await cp.start();
      await dashboard.start(cp.url);
      const proxy = await eventually(
        'the managed proxy running and in sync',
        async () => {
          const { body } = await cp.api<ProxyStatus>('GET', '/proxy');
          // Not ok yet: thrown, so a timeout says what the proxy's status was at the end.
          if (!body.ok) throw new Error(`proxy status: ${JSON.stringify(body)}`);
          return body;
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      const container = await findContainerByName(docker, proxy.container?.name ?? '');
      installation = container?.labels[LABEL_INSTALLATION] ?? '';
    } catch (err) {
      await cleanup();
      throw err;
    }
    const origin = `https://console.${opts.domain}:${httpsPort}`;
    return new Stack(docker, cp, dashboard, origin, address, cleanup);
  }

  close(): Promise<void> {
    return this.cleanup();
  }
}
