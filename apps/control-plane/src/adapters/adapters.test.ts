import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { describeAdapterConformance } from './conformance.js';
import {
  AdapterRegistry,
  getAdapter,
  isPinnedImage,
  listAdapters,
  UnknownAdapterError,
} from './index.js';

for (const adapter of listAdapters()) describeAdapterConformance(adapter);

describe('the conformance suite', () => {
  it('refuses to skip a test that does not exist', () => {
    const [adapter] = listAdapters();
    if (!adapter) throw new Error('no adapters registered');
    expect(() =>
      describeAdapterConformance(adapter, { skip: [{ reason: 'typo', tests: ['renders fast'] }] }),
    ).toThrow('no conformance test named "renders fast"');
  });
});

describe('adapter registry', () => {
  it('finds built-in adapters by id', () => {
    expect(getAdapter('openclaw').displayName).toBe('OpenClaw');
    expect(listAdapters().map((a) => a.id)).toContain('openclaw');
  });

  it('registers Open WebUI as open-webui, its image overridable by AGENTPOD_IMAGE_OPEN_WEBUI', () => {
    expect(getAdapter('open-webui').displayName).toBe('Open WebUI');
    const { imageOverrides } = loadConfig(
      { AGENTPOD_IMAGE_OPEN_WEBUI: 'registry.internal:5000/open-webui:v0.10.2-ours' },
      { hostAddress: () => '10.0.0.5' },
    );
    expect(imageOverrides).toEqual({
      'open-webui': 'registry.internal:5000/open-webui:v0.10.2-ours',
    });
    expect(new AdapterRegistry({ imageOverrides }).defaultImageFor('open-webui')).toBe(
      'registry.internal:5000/open-webui:v0.10.2-ours',
    );
  });

  it('throws a typed not-found error for an unknown id', () => {
    expect(() => getAdapter('hermes')).toThrow(UnknownAdapterError);
    expect(() => getAdapter('hermes')).toThrow(
      expect.objectContaining({ code: 'adapter_not_found', adapterId: 'hermes' }),
    );
  });

  it("uses the installation's image override, else the adapter's pinned default", () => {
    const registry = new AdapterRegistry({
      imageOverrides: { openclaw: 'registry.internal:5000/openclaw:2026.9.6-patched' },
    });
    expect(registry.defaultImageFor('openclaw')).toBe(
      'registry.internal:5000/openclaw:2026.9.6-patched',
    );
    expect(new AdapterRegistry().defaultImageFor('openclaw')).toBe(
      getAdapter('openclaw').defaultImage,
    );
  });

  it('refuses overrides for unknown adapters or unpinned images', () => {
    expect(() => new AdapterRegistry({ imageOverrides: { hermes: 'x:1' } })).toThrow(
      UnknownAdapterError,
    );
    expect(
      () => new AdapterRegistry({ imageOverrides: { openclaw: 'ghcr.io/openclaw/openclaw' } }),
    ).toThrow('must be pinned');
  });
});

describe('isPinnedImage', () => {
  it.each([
    'ghcr.io/openclaw/openclaw:2026.9.6',
    'openclaw:local',
    'localhost:5000/openclaw:1.2',
    `ghcr.io/openclaw/openclaw@sha256:${'a'.repeat(64)}`,
    `ghcr.io/openclaw/openclaw:2026.9.6@sha256:${'b'.repeat(64)}`,
  ])('accepts %s', (ref) => {
    expect(isPinnedImage(ref)).toBe(true);
  });
  it.each([
    'ghcr.io/openclaw/openclaw',
    'ghcr.io/openclaw/openclaw:latest',
    'localhost:5000/openclaw',
    'openclaw:',
    'ghcr.io/openclaw/openclaw@sha256:short',
  ])('rejects %s', (ref) => {
    expect(isPinnedImage(ref)).toBe(false);
  });
});
