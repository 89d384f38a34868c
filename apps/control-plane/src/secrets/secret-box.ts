import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentPodError, StartupError } from '../errors.js';

/** Bound to where it is stored: the context is GCM's additional authenticated data. */
const VERSION = 'v2';
/** Written before secrets were bound (no AAD); still read, rewritten as v2 on the next write. */
const UNBOUND = 'v1';

/** Where a pod's secret is stored: its value decrypts only for this pod and this name. */
export const podSecretContext = (podId: string, name: string) => `pod:${podId}:${name}`;
/** Where a registry's password is stored. */
export const registrySecretContext = (registry: string) => `registry:${registry}`;

/**
 * Encrypts secret values at rest with AES-256-GCM (node:crypto). A stored value is
 * `v2:<iv>:<tag>:<ciphertext>`, base64url parts, bound to its context (`pod:<id>:<name>`,
 * `registry:<host>`) as additional authenticated data: tampering, or a value copied to another
 * pod's row or another field, fails authentication on decrypt.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
    return new SecretBox(key);
  }

  /**
   * The installation's key: AGENTPOD_SECRET_KEY (base64, 32 bytes) when given, otherwise
   * `<dataDir>/secret.key`, created on first start with mode 0600. Losing it makes stored
   * secrets unreadable, so it is never regenerated over an existing file.
   */
  static load(opts: { keyBase64: string | undefined; dataDir: string }): SecretBox {
    if (opts.keyBase64) {
      const key = Buffer.from(opts.keyBase64, 'base64');
      if (key.length !== 32) {
        throw new StartupError(
          'config_invalid',
          'AGENTPOD_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)',
        );
      }
      return new SecretBox(key);
    }
    const file = join(opts.dataDir, 'secret.key');
    if (!existsSync(file)) {
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) {
      throw new StartupError(
        'config_invalid',
        `${file} does not hold a 32-byte base64 key; restore it from a backup`,
      );
    }
    return new SecretBox(key);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join(':');
  }

  decrypt(stored: string, context: string): string {
    const [version, iv, tag, data] = stored.split(':');
    if ((version !== VERSION && version !== UNBOUND) || !iv || !tag || data === undefined) {
      throw new AgentPodError('secret_unreadable', 'a stored secret has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      if (version === VERSION) decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (err) {
      throw new AgentPodError(
        'secret_unreadable',
        `the stored secret for ${context} cannot be decrypted with this installation’s key (or was copied from elsewhere)`,
        { cause: err },
      );
    }
  }

  /**
   * A secret for another purpose (e.g. signing operator sessions), derived from the key so the
   * installation has one key to keep and back up. The same purpose always gives the same value.
   */
  derive(purpose: string): string {
    return createHmac('sha256', this.key).update(`agentpod:${purpose}`).digest('base64url');
  }

  /** A pod's secrets by name, each checked against its pod and name. */
  decryptPodSecrets(podId: string, stored: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(stored).map(([k, v]) => [k, this.decrypt(v, podSecretContext(podId, k))]),
    );
  }

  encryptPodSecrets(podId: string, plain: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(plain).map(([k, v]) => [k, this.encrypt(v, podSecretContext(podId, k))]),
    );
  }
}
