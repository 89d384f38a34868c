import { pino } from 'pino';
import type { Config } from './config.js';

export type Logger = pino.Logger;

/** JSON lines on stdout; secrets never reach it because nothing logs them. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { service: 'agentpod' } });
}
