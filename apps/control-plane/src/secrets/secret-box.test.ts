import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = SecretBox.fromKey(Buffer.alloc(32, 7));

  it('round-trips a value and never stores it in the clear', () => {
    const stored = box.encrypt('sk-live-123');
    expect(stored).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(stored).not.toContain('sk-live-123');
    expect(box.decrypt(stored)).toBe('sk-live-123');
    expect(box.encrypt('sk-live-123')).not.toBe(stored);
  });

  it('refuses a tampered value or a different key', () => {
    const stored = box.encrypt('secret');
    const parts = stored.split(':');
    const flipped = Buffer.from(parts[3] ?? '', 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const tampered = [parts[0], parts[1], parts[2], flipped.toString('base64url')].join(':');
    expect(() => box.decrypt(tampered)).toThrowError(
      expect.objectContaining({ code: 'secret_unreadable' }),
    );
    expect(() => SecretBox.fromKey(Buffer.alloc(32, 8)).decrypt(stored)).toThrow(
      /cannot be decrypted/,
    );
    expect(() => box.decrypt('plain')).toThrow(/unknown format/);
  });

  it('creates a key file with mode 0600 once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentpod-key-'));
    const a = SecretBox.load({ keyBase64: undefined, dataDir: dir });
    const key = readFileSync(join(dir, 'secret.key'), 'utf8');
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    const b = SecretBox.load({ keyBase64: undefined, dataDir: dir });
    expect(readFileSync(join(dir, 'secret.key'), 'utf8')).toBe(key);
    expect(b.decrypt(a.encrypt('x'))).toBe('x');
  });

  it('rejects a configured key of the wrong size', () => {
    expect(() => SecretBox.load({ keyBase64: 'c2hvcnQ=', dataDir: '/nonexistent' })).toThrow(
      /32 bytes/,
    );
  });
});
