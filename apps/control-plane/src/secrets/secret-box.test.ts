import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { podSecretContext, registrySecretContext, SecretBox } from './secret-box.js';

const KEY = Buffer.alloc(32, 7);
const AT = podSecretContext('pod_aaaaaaaaaaaaaaaaaaaa', 'OPENAI_API_KEY');

/** A value as installations before bound secrets wrote it: v1, no additional data. */
function encryptV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join(':');
}

describe('SecretBox', () => {
  const box = SecretBox.fromKey(KEY);

  it('round-trips a value and never stores it in the clear', () => {
    const stored = box.encrypt('sk-live-123', AT);
    expect(stored).toMatch(/^v2:[\w-]+:[\w-]+:[\w-]+$/);
    expect(stored).not.toContain('sk-live-123');
    expect(box.decrypt(stored, AT)).toBe('sk-live-123');
    expect(box.encrypt('sk-live-123', AT)).not.toBe(stored);
  });

  it('refuses a value copied to another pod, another field or a registry', () => {
    const stored = box.encrypt('sk-live-123', AT);
    for (const elsewhere of [
      podSecretContext('pod_bbbbbbbbbbbbbbbbbbbb', 'OPENAI_API_KEY'),
      podSecretContext('pod_aaaaaaaaaaaaaaaaaaaa', 'OPENCLAW_GATEWAY_TOKEN'),
      registrySecretContext('ghcr.io'),
    ]) {
      expect(() => box.decrypt(stored, elsewhere)).toThrowError(
        expect.objectContaining({ code: 'secret_unreadable' }),
      );
    }
    const pods = box.encryptPodSecrets('pod_aaaaaaaaaaaaaaaaaaaa', { A: 'one', B: 'two' });
    expect(box.decryptPodSecrets('pod_aaaaaaaaaaaaaaaaaaaa', pods)).toEqual({ A: 'one', B: 'two' });
    // Swapping two fields' ciphertexts inside one pod is refused too.
    expect(() =>
      box.decryptPodSecrets('pod_aaaaaaaaaaaaaaaaaaaa', { A: pods.B ?? '', B: pods.A ?? '' }),
    ).toThrow(/cannot be decrypted/);
  });

  it('still reads values written before secrets were bound (v1)', () => {
    const old = encryptV1(KEY, 'sk-old');
    expect(box.decrypt(old, AT)).toBe('sk-old');
    expect(() => SecretBox.fromKey(Buffer.alloc(32, 8)).decrypt(old, AT)).toThrow(
      /cannot be decrypted/,
    );
  });

  it('refuses a tampered value or a different key', () => {
    const stored = box.encrypt('secret', AT);
    const parts = stored.split(':');
    const flipped = Buffer.from(parts[3] ?? '', 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const tampered = [parts[0], parts[1], parts[2], flipped.toString('base64url')].join(':');
    expect(() => box.decrypt(tampered, AT)).toThrowError(
      expect.objectContaining({ code: 'secret_unreadable' }),
    );
    expect(() => SecretBox.fromKey(Buffer.alloc(32, 8)).decrypt(stored, AT)).toThrow(
      /cannot be decrypted/,
    );
    expect(() => box.decrypt('plain', AT)).toThrow(/unknown format/);
  });

  it('creates a key file with mode 0600 once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentpod-key-'));
    const a = SecretBox.load({ keyBase64: undefined, dataDir: dir });
    const key = readFileSync(join(dir, 'secret.key'), 'utf8');
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    const b = SecretBox.load({ keyBase64: undefined, dataDir: dir });
    expect(readFileSync(join(dir, 'secret.key'), 'utf8')).toBe(key);
    expect(b.decrypt(a.encrypt('x', AT), AT)).toBe('x');
  });

  it('rejects a configured key of the wrong size', () => {
    expect(() => SecretBox.load({ keyBase64: 'c2hvcnQ=', dataDir: '/nonexistent' })).toThrow(
      /32 bytes/,
    );
  });
});
