import { stringify } from 'safe-stable-stringify';
import type { Logger } from '../logger.js';
import { CaddyAdmin, type CaddyOptions, renderCaddyConfig } from './caddy.js';
import { CoalescedRun } from './coalesced-run.js';
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
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private readonly run = new CoalescedRun(() => this.sync());
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
    this.stopped = false;
    this.schedule();
    this.timer = setInterval(() => this.schedule(), this.opts.verifyIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    await this.run.settled();
  }

  /** Runs a sync soon; calls while one runs collapse into one more run. */
  schedule(): void {
    this.run.schedule();
  }

  /** Resolves once the latest scheduled sync has finished (tests). */
  settled(): Promise<void> {
    return this.run.settled();
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
      this.failures = 0;
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
      // A Caddy that was just (re)started answers within a second or two: try again soon
      // rather than at the next verification.
      this.failures++;
      const delay = Math.min(500 * 2 ** (this.failures - 1), this.opts.verifyIntervalMs);
      clearTimeout(this.retry);
      if (!this.stopped) {
        this.retry = setTimeout(() => this.schedule(), delay);
        this.retry.unref();
      }
    }
  }
}
