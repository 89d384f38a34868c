import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HealthProber } from './prober.js';

describe('HealthProber ticks', () => {
  it('survive a failing target list and log only when that starts and when it ends', async () => {
    const messages: string[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line) => messages.push(JSON.parse(line).msg) },
    );
    let databaseDown = true;
    const prober = new HealthProber({
      tickMs: 1_000,
      logger,
      onChange: () => {},
      targets: async () => {
        if (databaseDown) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return [];
      },
    });
    await prober.tick();
    await prober.tick();
    databaseDown = false;
    await prober.tick();
    await prober.tick();
    expect(messages).toEqual([
      'health probing failed; retrying until it works',
      'health probing works again',
    ]);
  });
});
