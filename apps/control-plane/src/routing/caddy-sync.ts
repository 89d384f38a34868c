import { stringify } from 'safe-stable-stringify';
import type { Logger } from '../logger.js';
import { CaddyAdmin, type CaddyOptions, renderCaddyConfig } from './caddy.js';
import type { Route } from './routes.js';

export interface CaddySyncOptions {
  adminUrl: string;
  render: Omit<CaddyOptions, 'adminListen'>;
  routes: () => Promise<Route[]>;
  /** How often Caddy's live config is compared with the wanted one (it may have restarted). */
  verifyIntervalMs: number;
  logger: Logger;
}

export interface ProxyHealth {
  ok: boolean;
  lastError: string | null;
  lastSyncedAt: string | null;
  routes: number;
}

/**
 * Keeps Caddy's config equal to the rendered route table: pushes on every change and checks
 * Caddy's live config on an interval, so a restarted or hand-edited Caddy is put right. A
 * failure is kept in `health` (served by /readyz), never only logged.
 */
export class CaddySync {
  private readonly admin: CaddyAdmin;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private state: ProxyHealth = {
    ok: false,
    lastError: 'not synced yet',
    lastSyncedAt: null,
    routes: 0,
  };

  constructor(private readonly opts: CaddySyncOptions) {
    this.admin = new CaddyAdmin(opts.adminUrl);
  }

  get health(): ProxyHealth {
    return this.state;
  }

  start(): void {
    this.schedule();
    this.timer = setInterval(() => this.schedule(), this.opts.verifyIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a sync soon; calls while one runs collapse into one more run. */
  schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sync().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }

  /** Resolves once the latest scheduled sync has finished (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async sync(): Promise<void> {
    try {
      const routes = await this.opts.routes();
      const wanted = renderCaddyConfig(routes, {
        ...this.opts.render,
        adminListen: new URL(this.opts.adminUrl).host,
      });
      const live = await this.admin.getConfig();
      if (stringify(live) !== stringify(wanted)) {
        await this.admin.load(wanted);
        this.opts.logger.info({ routes: routes.length }, 'pushed routes to Caddy');
      }
      if (!this.state.ok) this.opts.logger.info('Caddy routes in sync');
      this.state = {
        ok: true,
        lastError: null,
        lastSyncedAt: new Date().toISOString(),
        routes: routes.length,
      };
    } catch (err) {
      const message = (err as Error).message;
      if (this.state.lastError !== message)
        this.opts.logger.error({ err: message }, 'could not sync routes to Caddy');
      this.state = { ...this.state, ok: false, lastError: message };
    }
  }
}
