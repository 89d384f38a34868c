import { describe, expect, it } from 'vitest';
import { type ConfigMergeInput, mergeConfig } from './config-merge.js';

const OWNED = [
  ['gateway', 'bind'],
  ['gateway', 'port'],
  ['gateway', 'trustedProxies'],
  ['gateway', 'controlUi', 'allowedOrigins'],
];
const DEFAULTS = [['agents', 'defaults', 'model', 'primary']];

function rendered(overrides: { origins?: string[]; model?: string } = {}): string {
  const config = {
    gateway: {
      bind: 'lan',
      port: 18789,
      trustedProxies: ['10.213.0.1/32'],
      controlUi: { allowedOrigins: overrides.origins ?? ['https://alice.example.com'] },
    },
    agents: { defaults: { model: { primary: overrides.model ?? 'anthropic/claude-opus-5' } } },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

function merge(existing: string | null, more: Partial<ConfigMergeInput> = {}) {
  return mergeConfig({
    existing,
    rendered: rendered(),
    lastApplied: null,
    owned: OWNED,
    defaults: DEFAULTS,
    ...more,
  });
}

function merged(existing: string | null, more: Partial<ConfigMergeInput> = {}) {
  const result = merge(existing, more);
  if (result.kind !== 'merged') throw new Error(`not merged: ${result.reason}`);
  return result;
}

/** What OpenClaw's own writer leaves after a tenant's `config set` (2-space JSON, `meta` last). */
const TENANT_FILE = `{
  "gateway": {
    "mode": "local",
    "bind": "lan",
    "port": 18789,
    "trustedProxies": [
      "10.213.0.1/32"
    ],
    "controlUi": {
      "allowedOrigins": [
        "https://alice.example.com"
      ]
    }
  },
  "agents": {
    "defaults": {
      "model": {
        "primary": "openai/gpt-6-astra"
      }
    }
  },
  "channels": {
    "telegram": {
      "enabled": true,
      "botToken": "123:abc",
      "dmPolicy": "pairing"
    }
  },
  "meta": {
    "lastTouchedVersion": "2026.9.6"
  }
}
`;

describe('mergeConfig', () => {
  it('writes the rendered file whole on first boot or over an empty file', () => {
    expect(merged(null)).toEqual({
      kind: 'merged',
      text: rendered(),
      restored: [],
      reformatted: false,
    });
    expect(merged(' \n').text).toBe(rendered());
  });

  it("leaves a file whose managed keys are right byte for byte, the tenant's model included", () => {
    expect(merged(TENANT_FILE)).toMatchObject({ text: TENANT_FILE, restored: [] });
  });

  it("keeps the tenant's comments, formatting and key order while setting a managed key", () => {
    const existing = `{
    // my channels, keep them
    "channels": {"telegram": {"enabled": true}},  /* inline */
    "gateway": {"mode": "local", "bind": "loopback", "port": 18789,
        "trustedProxies": ["10.213.0.1/32"],
        "controlUi": {"allowedOrigins": ["https://alice.example.com"]}},
    "agents": {"defaults": {"model": {"primary": "x/y"}}},
}
`;
    const { text, restored } = merged(existing);
    expect(text).toBe(existing.replace('"bind": "loopback"', '"bind": "lan"'));
    expect(restored).toEqual([{ path: ['gateway', 'bind'], was: 'loopback' }]);
  });

  it('sets an owned list whole, and reports the list the tenant had', () => {
    const existing = TENANT_FILE.replace(
      '"https://alice.example.com"',
      '"https://alice.example.com",\n        "https://evil.example.com"',
    );
    const { text, restored } = merged(existing);
    expect(text).toBe(TENANT_FILE);
    expect(restored).toEqual([
      {
        path: ['gateway', 'controlUi', 'allowedOrigins'],
        was: ['https://alice.example.com', 'https://evil.example.com'],
      },
    ]);
  });

  it('creates missing parents in the indentation the file uses', () => {
    const existing = '{\n\t"channels": {\n\t\t"telegram": {}\n\t}\n}\n';
    const { text, restored } = merged(existing);
    expect(JSON.parse(text)).toEqual({ ...JSON.parse(rendered()), channels: { telegram: {} } });
    expect(
      text.startsWith('{\n\t"channels": {\n\t\t"telegram": {}\n\t},\n\t"gateway": {\n\t\t'),
    ).toBe(true);
    // Absent keys with no record of an earlier write are a first write, not a tenant's change.
    expect(restored).toEqual([]);
  });

  it('replaces a parent that is not an object (invalid for the agent anyway)', () => {
    const { text } = merged('{"gateway": null, "ui": {"seamColor": "#ff6600"}}');
    expect(JSON.parse(text)).toMatchObject({
      gateway: JSON.parse(rendered()).gateway,
      ui: { seamColor: '#ff6600' },
    });
  });

  it('puts back a managed key the tenant removed, when the last write is on record', () => {
    const existing = TENANT_FILE.replace('    "port": 18789,\n', '');
    const { text, restored } = merged(existing, { lastApplied: rendered() });
    expect(JSON.parse(text).gateway.port).toBe(18789);
    expect(restored).toEqual([{ path: ['gateway', 'port'], was: undefined }]);
  });

  it("does not blame the tenant for the operator's change of a managed value", () => {
    const next = rendered({ origins: ['https://alice.new.example.com'] });
    const { text, restored } = merged(TENANT_FILE, { rendered: next, lastApplied: rendered() });
    expect(JSON.parse(text).gateway.controlUi.allowedOrigins).toEqual([
      'https://alice.new.example.com',
    ]);
    expect(restored).toEqual([]);
  });

  it("seeds a default once, then follows AgentPod's default only until the tenant changes it", () => {
    const next = rendered({ model: 'openai/gpt-6-astra' });
    const first = merged('{"channels": {}}', { rendered: rendered() }).text;
    expect(JSON.parse(first).agents.defaults.model.primary).toBe('anthropic/claude-opus-5');
    // The operator switches provider: the untouched default follows.
    const followed = merged(first, { rendered: next, lastApplied: rendered() }).text;
    expect(JSON.parse(followed).agents.defaults.model.primary).toBe('openai/gpt-6-astra');
    // The tenant chose a model: it stays, and it is not something to put back.
    const chosen = first.replace('anthropic/claude-opus-5', 'anthropic/claude-haiku-5');
    const kept = merged(chosen, { rendered: next, lastApplied: rendered() });
    expect(kept.text).toBe(chosen);
    expect(kept.restored).toEqual([]);
  });

  it('reads JSON5 that jsonc-parser cannot, and rewrites it as JSON as OpenClaw does', () => {
    const existing =
      "{ channels: { telegram: { dmPolicy: 'pairing' } }, gateway: { bind: 'auto' } }";
    const result = merged(existing);
    expect(result.reformatted).toBe(true);
    expect(JSON.parse(result.text)).toMatchObject({
      channels: { telegram: { dmPolicy: 'pairing' } },
      gateway: { bind: 'lan', port: 18789 },
    });
    expect(result.restored).toEqual([{ path: ['gateway', 'bind'], was: 'auto' }]);
  });

  it('leaves JSON5 whose managed keys are right as the tenant wrote it', () => {
    const existing = `{
  // the tenant's notes
  channels: { telegram: { dmPolicy: 'pairing' } },
  gateway: {
    bind: 'lan', port: 18789, trustedProxies: ['10.213.0.1/32'],
    controlUi: { allowedOrigins: ['https://alice.example.com'] },
  },
  agents: { defaults: { model: { primary: 'anthropic/claude-opus-5' } } },
}
`;
    expect(merged(existing)).toEqual({
      kind: 'merged',
      text: existing,
      restored: [],
      reformatted: false,
    });
  });

  it.each([
    ['a truncated file', '{"gateway": {"bind": "lan"'],
    ['a list at the top', '[]'],
    ['a string at the top', '"gateway"'],
  ])('gives up on %s and writes the rendered file whole', (_what, existing) => {
    const result = merge(existing);
    expect(result).toMatchObject({ kind: 'unreadable', text: rendered() });
    if (result.kind === 'unreadable') expect(result.reason).not.toBe('');
  });

  it('ignores a record that does not parse', () => {
    const existing = TENANT_FILE.replace('"bind": "lan"', '"bind": "loopback"');
    expect(merged(existing, { lastApplied: '{oops' }).restored).toEqual([
      { path: ['gateway', 'bind'], was: 'loopback' },
    ]);
  });
});
