// Test support for the integration suites: the real daemon from .test-env, the locally built
// images, and cleanup of everything a test made, found by label rather than by remembered ids.
import { randomBytes } from 'node:crypto';
import { listContainers, removeContainer } from './containers.js';
import { DockerHost, parseDockerHost } from './host.js';
import type { RegistryAuth } from './images.js';
import { LABEL_MANAGED } from './labels.js';
import { listNetworks, removeNetwork } from './networks.js';
import { listVolumes, removeVolume } from './volumes.js';

export const TEST_LABEL = 'agentpod.test';
export const TEST_LABELS: Record<string, string> = {
  [LABEL_MANAGED]: 'true',
  [TEST_LABEL]: 'runtime',
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/test-env.sh`);
  return value;
}

export function testHost(): DockerHost {
  return new DockerHost(parseDockerHost(required('AGENTPOD_TEST_DOCKER_HOST')), {
    timeoutMs: 30_000,
  });
}

export function testImage(
  kind: 'ECHO' | 'OPENCLAW' | 'BASE' | 'CADDY' | 'STANDIN' | 'OPEN_WEBUI_STANDIN',
): string {
  return required(`AGENTPOD_TEST_IMAGE_${kind}`);
}

/** `aptest-<what>-<random>`: unique per run so a leftover never collides with a new test. */
export function testName(what: string): string {
  return `aptest-${what}-${randomBytes(3).toString('hex')}`;
}

/**
 * Removes every container, network and volume that carries `labels` (by default: made by the
 * runtime tests). Found by label, not by remembered ids, so a crashed run's leftovers go too.
 */
export async function removeTestObjects(
  host: DockerHost,
  only: Record<string, string> = { [TEST_LABEL]: 'runtime' },
): Promise<void> {
  for (const c of await listContainers(host, only)) {
    await removeContainer(host, c.id, { force: true });
  }
  for (const n of await listNetworks(host, only)) await removeNetwork(host, n.id);
  for (const v of await listVolumes(host, only)) await removeVolume(host, v.name);
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 20_000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A registry started by scripts/test-env.sh: `open`, or `private` behind htpasswd auth. */
export function testRegistry(kind: 'open' | 'private'): {
  host: string;
  auth: RegistryAuth | undefined;
} {
  if (kind === 'open') return { host: required('AGENTPOD_TEST_REGISTRY'), auth: undefined };
  const host = required('AGENTPOD_TEST_PRIVATE_REGISTRY');
  return {
    host,
    auth: {
      username: required('AGENTPOD_TEST_REGISTRY_USER'),
      password: required('AGENTPOD_TEST_REGISTRY_PASSWORD'),
      serveraddress: host,
    },
  };
}

/**
 * Pushes a local image to a test registry under a new unique name and removes that name from
 * the Docker host again, so the only way to get it back is a real pull. Returns the reference.
 */
export async function pushTestImage(
  host: DockerHost,
  source: string,
  registry: { host: string; auth: RegistryAuth | undefined },
  what: string,
): Promise<string> {
  const repo = `${registry.host}/aptest/${what}`;
  const tag = randomBytes(4).toString('hex');
  await host.docker.getImage(source).tag({ repo, tag });
  const ref = `${repo}:${tag}`;
  // The daemon wants an X-Registry-Auth header on every push, empty for an open registry.
  const stream = await host.docker.getImage(ref).push({ authconfig: registry.auth ?? {} });
  const messages = await new Promise<{ error?: string }[]>((resolve, reject) =>
    host.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
      err ? reject(err) : resolve(out),
    ),
  );
  const failed = messages.find((m) => m.error);
  await removeImageTag(host, ref);
  if (failed) throw new Error(`pushing ${ref} failed: ${failed.error}`);
  return ref;
}

/** Removes one name of an image (never the image itself while other names keep it). */
export async function removeImageTag(host: DockerHost, ref: string): Promise<void> {
  try {
    await host.docker.getImage(ref).remove({ noprune: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

/** mulberry32: a tiny seeded generator of [0, 1), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
