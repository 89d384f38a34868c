import type { ImagePullProgress } from '@agentpod/shared';
import { type DockerHost, pullImage, type RegistryAuth, registryOf } from '../runtime/index.js';

/** The credentials for a registry (`ghcr.io`, `docker.io`), if the operator stored any. */
export type RegistryAuthLookup = (registry: string) => Promise<RegistryAuth | undefined>;

interface InFlight {
  done: Promise<void>;
  listeners: Set<(progress: ImagePullProgress) => void>;
}

/**
 * Pulls images, one pull per reference at a time: pods that need the same image while it is
 * being pulled wait for that pull and see its progress, instead of starting their own.
 */
export class ImagePuller {
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    private readonly docker: DockerHost,
    private readonly registryAuth: RegistryAuthLookup,
    private readonly opts: { idleTimeoutMs?: number } = {},
  ) {}

  async pull(ref: string, onProgress?: (progress: ImagePullProgress) => void): Promise<void> {
    let flight = this.inFlight.get(ref);
    if (!flight) {
      const listeners = new Set<(progress: ImagePullProgress) => void>();
      const done = this.start(ref, listeners).finally(() => this.inFlight.delete(ref));
      flight = { done, listeners };
      this.inFlight.set(ref, flight);
    }
    if (onProgress) flight.listeners.add(onProgress);
    try {
      await flight.done;
    } finally {
      if (onProgress) flight.listeners.delete(onProgress);
    }
  }

  private async start(
    ref: string,
    listeners: Set<(progress: ImagePullProgress) => void>,
  ): Promise<void> {
    const auth = await this.registryAuth(registryOf(ref));
    await pullImage(this.docker, ref, {
      auth,
      onProgress: (progress) => {
        for (const listener of listeners) listener(progress);
      },
      ...(this.opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.opts.idleTimeoutMs } : {}),
    });
  }
}
