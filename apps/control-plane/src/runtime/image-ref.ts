// Image references as Docker reads them (`caddy:2.10` is docker.io/library/caddy:2.10), parsed
// by @swimlane/docker-reference, a port of the distribution project's reference grammar.
import { parseAll } from '@swimlane/docker-reference';

export interface ImageRef {
  /** The registry host, `docker.io` for Docker Hub. */
  registry: string;
  /** The path inside the registry, `library/caddy` for an official Hub image. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export class InvalidImageRefError extends Error {
  constructor(ref: string, why: string) {
    super(`${JSON.stringify(ref)} is not an image reference: ${why}`);
    this.name = 'InvalidImageRefError';
  }
}

export function parseImageRef(ref: string): ImageRef {
  let parsed: ReturnType<typeof parseAll>;
  try {
    parsed = parseAll(ref);
  } catch (err) {
    throw new InvalidImageRefError(ref, (err as Error).message);
  }
  const { domain, repository } = parsed;
  if (!domain || !repository) throw new InvalidImageRefError(ref, 'no repository');
  return { registry: domain, repository, tag: parsed.tag, digest: parsed.digest };
}

/** What `docker pull` asks the daemon for: the repository, and a tag or digest (default latest). */
export function pullTarget(ref: string): { fromImage: string; tag: string } {
  const { registry, repository, tag, digest } = parseImageRef(ref);
  return { fromImage: `${registry}/${repository}`, tag: digest ?? tag ?? 'latest' };
}

/** The registry whose credentials a pull of `ref` needs. */
export function registryOf(ref: string): string {
  return parseImageRef(ref).registry;
}

/** The address Docker's auth config names a registry by; Docker Hub has a historical one. */
export function registryServerAddress(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

/** `registry.example.com:5000` or `docker.io`; refuses anything with a path or scheme. */
export function normalizeRegistry(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(trimmed)) {
    return 'docker.io';
  }
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(trimmed)) {
    throw new Error(`${JSON.stringify(host)} is not a registry host (host or host:port)`);
  }
  return trimmed;
}

/**
 * The pinned form of `ref` for an image that is present: the repository digest Docker recorded
 * for the same repository when it pulled it (`repo@sha256:…`), else the local image id, which
 * a locally built image has and which never moves either.
 */
export function pinnedReference(ref: string, image: { id: string; repoDigests: string[] }): string {
  const wanted = parseImageRef(ref);
  for (const candidate of image.repoDigests) {
    try {
      const digest = parseImageRef(candidate);
      if (digest.registry === wanted.registry && digest.repository === wanted.repository) {
        return candidate;
      }
    } catch {
      // Docker wrote it; an unparseable entry is simply not a match.
    }
  }
  return image.id;
}
