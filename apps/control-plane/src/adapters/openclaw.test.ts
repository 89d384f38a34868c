import { readFileSync } from 'node:fs';
import type { RenderablePod, RenderContext } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { openclaw } from './openclaw.js';

const pod: RenderablePod = {
  id: 'pod_0123456789abcdefghij',
  tenantId: 'ten_0123456789abcdefghij',
  subdomain: 'alice',
  image: null,
  config: {},
};

const context: RenderContext = {
  defaultImage: 'ghcr.io/openclaw/openclaw:2026.9.6',
  publicOrigin: 'https://alice.agents.example.com',
  proxyAddresses: ['10.213.0.1/32'],
  secrets: { gatewayToken: 'gw-token-123' },
};

function settings(config: Record<string, unknown> = {}, ctx: RenderContext = context) {
  const file = openclaw
    .render({ ...pod, config }, ctx)
    .files.find((f) => f.path === 'openclaw.json');
  if (!file) throw new Error('no openclaw.json planned');
  return { mode: file.mode, json: JSON.parse(file.content) };
}

describe('openclaw render', () => {
  it('writes a private gateway config for the pod behind the proxy', () => {
    const { mode, json } = settings();
    expect(mode).toBe(0o600);
    expect(json).toEqual({
      gateway: {
        mode: 'local',
        bind: 'lan',
        port: 18789,
        auth: { mode: 'token' },
        trustedProxies: ['10.213.0.1/32'],
        controlUi: { allowedOrigins: ['https://alice.agents.example.com'] },
      },
      agents: { defaults: { model: { primary: 'anthropic/claude-opus-5' } } },
    });
  });

  it('trusts exactly the proxy addresses it is given and normalises the origin', () => {
    const ctx = {
      ...context,
      publicOrigin: 'https://Bob.Agents.Example.com/',
      proxyAddresses: ['172.30.0.1/32', 'fd00::1/128'],
    };
    const { json } = settings({}, ctx);
    expect(json.gateway.trustedProxies).toEqual(['172.30.0.1/32', 'fd00::1/128']);
    expect(json.gateway.controlUi.allowedOrigins).toEqual(['https://bob.agents.example.com']);
  });

  it("uses the chosen model, or the provider's default", () => {
    expect(settings({ provider: 'openrouter' }).json.agents.defaults.model.primary).toBe(
      'openrouter/auto',
    );
    const model = 'openai/gpt-5.6-mini';
    expect(settings({ provider: 'openai', model }).json.agents.defaults.model.primary).toBe(model);
  });

  it('owns the gateway keys it renders, and the model only when the operator chose one', () => {
    const file = (config: Record<string, unknown>) =>
      openclaw.render({ ...pod, config }, context).files[0];
    const gateway = [
      ['gateway', 'mode'],
      ['gateway', 'bind'],
      ['gateway', 'port'],
      ['gateway', 'auth', 'mode'],
      ['gateway', 'trustedProxies'],
      ['gateway', 'controlUi', 'allowedOrigins'],
    ];
    const model = ['agents', 'defaults', 'model', 'primary'];
    expect(file({})).toMatchObject({ ownedPaths: gateway, defaultPaths: [model] });
    expect(file({ model: 'anthropic/claude-haiku-5' })).toMatchObject({
      ownedPaths: [...gateway, model],
      defaultPaths: [],
    });
  });

  it('passes the token, the home, the provider key and extra variables in the environment', () => {
    const plan = openclaw.render(
      { ...pod, config: { provider: 'google', extraEnv: { TZ: 'Europe/Berlin' } } },
      { ...context, secrets: { gatewayToken: 'gw-token-123', providerApiKey: 'AIza-key' } },
    );
    expect(plan.env).toEqual({
      GEMINI_API_KEY: 'AIza-key',
      HOME: '/home/node',
      OPENCLAW_CONFIG_PATH: '/home/node/.openclaw/openclaw.json',
      OPENCLAW_GATEWAY_TOKEN: 'gw-token-123',
      OPENCLAW_STATE_DIR: '/home/node/.openclaw',
      TZ: 'Europe/Berlin',
    });
    expect(plan).toMatchObject({
      image: 'ghcr.io/openclaw/openclaw:2026.9.6',
      command: ['openclaw', 'gateway', 'run'],
      user: '1000:1000',
      stateMountPath: '/home/node/.openclaw',
      port: 18789,
    });
  });

  it('sets no provider key variable when no key is stored', () => {
    const { env } = openclaw.render(pod, context);
    expect(Object.keys(env).filter((k) => k.endsWith('_API_KEY'))).toEqual([]);
  });

  it('refuses to render without a gateway token', () => {
    expect(() => openclaw.render(pod, { ...context, secrets: {} })).toThrow(/gatewayToken/);
  });

  it('refuses an invalid config with the reason', () => {
    expect(() => openclaw.render({ ...pod, config: { provider: 'acme' } }, context)).toThrow(
      /invalid OpenClaw config[\s\S]*provider/,
    );
  });
});

describe('openclaw config schema', () => {
  const parse = (config: unknown) => openclaw.configSchema.safeParse(config);

  it('fills defaults', () => {
    expect(parse({}).data).toEqual({ provider: 'anthropic', extraEnv: {} });
  });

  it.each([
    ['an unknown key', { providers: 'openai' }],
    ['an unknown provider', { provider: 'acme' }],
    ['a model without a provider prefix', { model: 'claude-opus-5' }],
    ['a model of another provider', { provider: 'openai', model: 'anthropic/claude-opus-5' }],
    ['a lower-case variable name', { extraEnv: { tz: 'UTC' } }],
    ['the gateway token variable', { extraEnv: { OPENCLAW_GATEWAY_TOKEN: 'x' } }],
    ['HOME', { extraEnv: { HOME: '/root' } }],
    ['an API key in plain config', { extraEnv: { OPENAI_API_KEY: 'sk-1' } }],
  ])('rejects %s', (_what, config) => {
    expect(parse(config).success).toBe(false);
  });
});

describe('openclaw access link', () => {
  it('signs in through the URL fragment', () => {
    expect(
      openclaw.accessUrl?.('https://alice.agents.example.com', { gatewayToken: 'a b/c' }),
    ).toBe('https://alice.agents.example.com/#token=a%20b%2Fc');
  });
});

describe('openclaw device pairing', () => {
  const pairing = openclaw.devicePairing;
  if (!pairing) throw new Error('openclaw declares device pairing');

  it('parses the output of a real gateway with one pending and one paired browser', () => {
    // Captured from `openclaw devices list --json` (2026.9.6) after two headless Chromium
    // sessions opened the Control UI: one approved, one still waiting.
    const stdout = readFileSync(
      new URL('./fixtures/openclaw-devices-list.json', import.meta.url),
      'utf8',
    );
    expect(pairing.parseList(stdout)).toEqual({
      pending: [
        {
          requestId: '96981412-a9b7-4787-9382-b46cb8848429',
          deviceId: '83bbb0bf0f53aedc0e3b570b2eb14852dfc8e30a28a899837df892677b8de44a',
          clientId: 'openclaw-control-ui',
          platform: 'Linux x86_64',
          scopes: [
            'operator.admin',
            'operator.read',
            'operator.write',
            'operator.approvals',
            'operator.questions',
            'operator.pairing',
          ],
          at: new Date(1795872211985).toISOString(),
        },
      ],
      paired: [
        expect.objectContaining({
          requestId: null,
          deviceId: '50400e17bf7c088d46df586a66248c69e9e1255b79b478cd297c8cb7e0c71dc9',
          clientId: 'openclaw-control-ui',
          at: new Date(1795872201524).toISOString(),
        }),
      ],
    });
  });

  it('parses the empty lists of a fresh gateway', () => {
    expect(pairing.parseList('{\n  "pending": [],\n  "paired": []\n}\n')).toEqual({
      pending: [],
      paired: [],
    });
  });

  it('tolerates missing optional fields and lists', () => {
    expect(pairing.parseList('{"pending":[{"deviceId":"d1"}]}')).toEqual({
      pending: [
        { requestId: null, deviceId: 'd1', clientId: null, platform: null, scopes: [], at: null },
      ],
      paired: [],
    });
  });

  it.each([
    ['text', 'gateway closed (1006): no close reason'],
    ['an empty answer', ''],
    ['a JSON list', '[]'],
    ['an entry without a device id', '{"pending":[{"requestId":"r1"}]}'],
    ['a list that is not a list', '{"paired":{}}'],
  ])('rejects %s with a clear error', (_what, stdout) => {
    expect(() => pairing.parseList(stdout)).toThrow(/openclaw devices list/);
  });

  it('approves and rejects one request by its id', () => {
    const id = '96981412-a9b7-4787-9382-b46cb8848429';
    expect(pairing.listCommand()).toEqual(['openclaw', 'devices', 'list', '--json']);
    expect(pairing.approveCommand(id)).toEqual(['openclaw', 'devices', 'approve', id]);
    expect(pairing.rejectCommand(id)).toEqual(['openclaw', 'devices', 'reject', id]);
    expect(() => pairing.approveCommand('--latest')).toThrow(/request id/);
  });
});
