import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const SECRET = 'sk-redaction-test-4f1c9a';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

describe('log redaction', () => {
  it('never writes a credential or secret value, wherever it sits in a log line', () => {
    const { logger, lines } = capture();
    logger.info({ req: { headers: { authorization: `Bearer ${SECRET}`, cookie: SECRET } } }, 'a');
    logger.info({ password: SECRET, token: SECRET, apiKey: SECRET }, 'b');
    logger.warn({ pod: { secrets: { OPENAI_API_KEY: SECRET }, gatewayToken: SECRET } }, 'c');
    logger.error({ err: { request: { Env: [`KEY=${SECRET}`] } }, body: { secret: SECRET } }, 'd');
    logger.debug({ created: { revealedSecrets: { adminPassword: SECRET } } }, 'e');
    logger.info({ registry: { ciphertext: SECRET, accessToken: SECRET } }, 'f');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).not.toContain(SECRET);
    expect(lines.join('')).toContain('[redacted]');
    // What is not a secret is kept.
    logger.info({ podId: 'pod_x', reason: 'Started' }, 'g');
    expect(lines.at(-1)).toContain('pod_x');
  });
});
