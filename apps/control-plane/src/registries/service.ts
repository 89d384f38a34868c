import type { Database } from '../db/client.js';
import {
  deleteRegistryCredential,
  getRegistryCredential,
  listRegistryCredentials,
  putRegistryCredential,
  type RegistryCredentialView,
} from '../db/queries/registries.js';
import { ValidationError } from '../errors.js';
import { normalizeRegistry, type RegistryAuth, registryServerAddress } from '../runtime/index.js';
import { registrySecretContext, type SecretBox } from '../secrets/secret-box.js';

/**
 * Credentials for private registries, one per registry host: the password (or token) is
 * encrypted at rest and never returned; pulls decrypt it only to hand it to the Docker daemon.
 */
export class RegistryCredentials {
  constructor(
    private readonly deps: {
      db: Database;
      secrets: SecretBox;
      /** Wakes the reconciler for a pod whose failed pull is due again. */
      notify: (podId: string) => void;
    },
  ) {}

  async put(
    host: string,
    input: { username: string; password: string },
  ): Promise<RegistryCredentialView> {
    const registry = this.registry(host);
    const { credential, retryPods } = await putRegistryCredential(this.deps.db, {
      registry,
      username: input.username,
      ciphertext: this.deps.secrets.encrypt(input.password, registrySecretContext(registry)),
    });
    for (const podId of retryPods) this.deps.notify(podId);
    return credential;
  }

  list(): Promise<RegistryCredentialView[]> {
    return listRegistryCredentials(this.deps.db);
  }

  async remove(host: string): Promise<void> {
    await deleteRegistryCredential(this.deps.db, this.registry(host));
  }

  /** The auth config a pull from `registry` sends, if credentials are stored for it. */
  async authFor(registry: string): Promise<RegistryAuth | undefined> {
    const stored = await getRegistryCredential(this.deps.db, registry);
    if (!stored) return undefined;
    return {
      username: stored.username,
      password: this.deps.secrets.decrypt(stored.ciphertext, registrySecretContext(registry)),
      serveraddress: registryServerAddress(registry),
    };
  }

  private registry(host: string): string {
    try {
      return normalizeRegistry(host);
    } catch (err) {
      throw new ValidationError((err as Error).message, [
        { path: 'registry', message: 'must be a host or host:port' },
      ]);
    }
  }
}
