import { describe, expect, it } from 'vitest';
import {
  normalizeRegistry,
  parseImageRef,
  pinnedReference,
  pullTarget,
  registryOf,
  registryServerAddress,
} from './image-ref.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('image references', () => {
  it('reads the registry, repository, tag and digest the way Docker does', () => {
    expect(parseImageRef('caddy:2.10.2')).toEqual({
      registry: 'docker.io',
      repository: 'library/caddy',
      tag: '2.10.2',
      digest: undefined,
    });
    expect(parseImageRef('ghcr.io/openclaw/openclaw:2026.9.6')).toMatchObject({
      registry: 'ghcr.io',
      repository: 'openclaw/openclaw',
    });
    expect(parseImageRef(`127.0.0.1:5055/a/b@${DIGEST}`)).toMatchObject({
      registry: '127.0.0.1:5055',
      repository: 'a/b',
      digest: DIGEST,
    });
    expect(registryOf('localhost/x:1')).toBe('localhost');
  });

  it('refuses what Docker would refuse, with the reason', () => {
    expect(() => parseImageRef('Not/An Image')).toThrow(/is not an image reference/);
    expect(() => parseImageRef('')).toThrow(/is not an image reference/);
  });

  it('pulls a tag, a digest, or latest when neither is given', () => {
    expect(pullTarget('caddy:2.10.2')).toEqual({
      fromImage: 'docker.io/library/caddy',
      tag: '2.10.2',
    });
    expect(pullTarget(`127.0.0.1:5055/a/b@${DIGEST}`)).toEqual({
      fromImage: '127.0.0.1:5055/a/b',
      tag: DIGEST,
    });
    expect(pullTarget('busybox')).toEqual({
      fromImage: 'docker.io/library/busybox',
      tag: 'latest',
    });
  });

  it('names registries as Docker credentials do', () => {
    expect(normalizeRegistry('Registry.Example.com:5000')).toBe('registry.example.com:5000');
    expect(normalizeRegistry('index.docker.io')).toBe('docker.io');
    expect(registryServerAddress('docker.io')).toBe('https://index.docker.io/v1/');
    expect(registryServerAddress('ghcr.io')).toBe('ghcr.io');
    expect(() => normalizeRegistry('https://ghcr.io/v2')).toThrow(/not a registry host/);
  });

  it('pins to the repository digest of the same repository, else to the image id', () => {
    const image = {
      id: `sha256:${'cd'.repeat(32)}`,
      repoDigests: [`other/repo@${DIGEST}`, `127.0.0.1:5055/a/b@${DIGEST}`],
    };
    expect(pinnedReference('127.0.0.1:5055/a/b:1', image)).toBe(`127.0.0.1:5055/a/b@${DIGEST}`);
    expect(pinnedReference('caddy:2', { ...image, repoDigests: [`caddy@${DIGEST}`] })).toBe(
      `caddy@${DIGEST}`,
    );
    expect(pinnedReference('local/built:1', image)).toBe(image.id);
  });
});
