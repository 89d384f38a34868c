import { pino } from 'pino';
import type { Config } from './config.js';

export type Logger = pino.Logger;

/** Field names that hold credentials or secret values wherever they appear. */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'token',
  'apiKey',
  'api_key',
  'accessToken',
  'gatewayToken',
  'secret',
  'secrets',
  'secretKey',
  'ciphertext',
  'revealedSecrets',
  'Env',
];

/**
 * Redacted however deep the logger is asked to look (pino's paths match exact depths): the
 * field at the top, one and two levels down, and request and response headers.
 */
export const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [`["${f}"]`, `*["${f}"]`, `*.*["${f}"]`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-agentpod-proxy-token"]',
  'res.headers["set-cookie"]',
  'req.body',
];

/**
 * JSON lines on stdout (or `destination`, for tests). Nothing is meant to log a secret; the
 * redaction is the second line of defence for the day something does (an error that carries
 * its request, a config object logged whole).
 */
export function createLogger(
  level: Config['logLevel'],
  destination?: pino.DestinationStream,
): Logger {
  const options = {
    level,
    base: { service: 'agentpod' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
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

/**
 * A per-second cap that spaces a loop's work out past its interval (health/prober.ts'
 * `steadySpreadMs`), logged when that starts and when it stops, never on every pass.
 */
export class CapLog {
  private stretched = false;

  constructor(
    private readonly logger: Logger,
    private readonly messages: { stretched: string; back: string },
  ) {}

  observe(stretched: boolean, fields: { pods: number; everyMs: number; maxPerSecond?: number }) {
    if (stretched === this.stretched) return;
    this.stretched = stretched;
    if (stretched) this.logger.info(fields, this.messages.stretched);
    else this.logger.info({ pods: fields.pods }, this.messages.back);
  }
}
