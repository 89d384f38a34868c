// The history's retention policy: raw resource samples are folded into 5-minute rows and kept
// for hours, the rows for days, events for weeks, the audit log for months; everything older is
// deleted.
import type { Database } from '../db/client.js';
import { pruneAudit } from '../db/queries/audit.js';
import { pruneHistory, rollUpUsage } from '../db/queries/usage.js';
import { type Logger, LoopLog } from '../logger.js';

export interface RetentionOptions {
  rawMs: number;
  rollupMs: number;
  eventsMs: number;
  /** The audit log's entries (AGENTPOD_AUDIT_RETENTION_DAYS). */
  auditMs: number;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly log: LoopLog;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly opts: RetentionOptions,
  ) {
    this.log = new LoopLog(opts.logger, 'history retention');
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .then(
          () => this.log.succeeded(),
          (err: unknown) => this.log.failed(err),
        )
        .finally(() => {
          this.running = undefined;
        });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: fold what the raw samples still cover, then delete what is too old. */
  async pass(): Promise<{ samples: number; events: number; audit: number }> {
    const now = this.now();
    await rollUpUsage(this.db, new Date(now - this.opts.rawMs), new Date(now));
    const pruned = await pruneHistory(this.db, {
      raw: new Date(now - this.opts.rawMs),
      rollup: new Date(now - this.opts.rollupMs),
      events: new Date(now - this.opts.eventsMs),
    });
    const audit = await pruneAudit(this.db, new Date(now - this.opts.auditMs));
    return { ...pruned, audit };
  }
}
