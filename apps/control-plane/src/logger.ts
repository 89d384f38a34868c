import { pino } from 'pino';
import type { Config } from './config.js';

export type Logger = pino.Logger;

/** JSON lines on stdout; secrets never reach it because nothing logs them. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { service: 'agentpod' } });
}

/**
 * A background loop's failures, logged when its state changes (the first failure, then the
 * recovery), never on every pass: a database outage of ten minutes is two lines, not hundreds.
 */
export class LoopLog {
  private failing = false;

  constructor(
    private readonly logger: Logger,
    /** What the loop does, in words: `resync`, `health probing`. */
    private readonly loop: string,
  ) {}

  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info({ loop: this.loop }, `${this.loop} works again`);
  }

  failed(err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.error({ err, loop: this.loop }, `${this.loop} failed; retrying until it works`);
  }
}
