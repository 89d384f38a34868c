import { configJsonSchema, type RenderablePod, type RenderContext } from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { openWebUI } from './open-webui.js';

const pod: RenderablePod = {
  id: 'pod_0123456789abcdefghij',
  tenantId: 'ten_0123456789abcdefghij',
  subdomain: 'alice',
  image: null,
  config: {},
};

const context: RenderContext = {
  defaultImage: 'ghcr.io/open-webui/open-webui:v0.10.2',
  publicOrigin: 'https://alice.agents.example.com',
  proxyAddresses: ['10.213.0.1/32'],
  secrets: { secretKey: 'secret-key-1', adminPassword: 'admin-password-1' },
};

const render = (config: Record<string, unknown> = {}, ctx: Partial<RenderContext> = {}) =>
  openWebUI.render({ ...pod, config }, { ...context, ...ctx });

describe('open-webui render', () => {
  it('runs the image as a non-root user with its data dir, secrets and public origin', () => {
    const plan = render();
    expect(plan).toMatchObject({
      image: 'ghcr.io/open-webui/open-webui:v0.10.2',
      command: [],
      user: '1000:1000',
      stateMountPath: '/app/backend/data',
      port: 8080,
      labels: {},
    });
    expect(plan.env).toEqual({
      CORS_ALLOW_ORIGIN: 'https://alice.agents.example.com',
      DATA_DIR: '/app/backend/data/open-webui',
      DEFAULT_USER_ROLE: 'pending',
      ENABLE_OLLAMA_API: 'false',
      ENABLE_OPENAI_API: 'true',
      ENABLE_SIGNUP: 'false',
      FORWARDED_ALLOW_IPS: '10.213.0.1',
      HOME: '/app/backend/data/open-webui',
      OPENAI_API_BASE_URLS: 'https://api.openai.com/v1',
      OPENAI_API_KEYS: '',
      PORT: '8080',
      WEBUI_ADMIN_EMAIL: 'admin@localhost',
      WEBUI_ADMIN_NAME: 'Admin',
      WEBUI_ADMIN_PASSWORD: 'admin-password-1',
      WEBUI_SECRET_KEY: 'secret-key-1',
      WEBUI_SESSION_COOKIE_SECURE: 'true',
      WEBUI_URL: 'https://alice.agents.example.com',
    });
    // Sorted, so the spec hash does not depend on the order keys were added in.
    expect(Object.keys(plan.env)).toEqual(Object.keys(plan.env).sort());
  });

  it('makes the data folder inside the volume with a file the agent user owns', () => {
    const { files, env } = render();
    expect(files).toEqual([
      expect.objectContaining({ path: 'open-webui/README.agentpod', mode: 0o644 }),
    ]);
    expect(env.DATA_DIR).toBe(`/app/backend/data/${files[0]?.path.split('/')[0]}`);
  });

  it('aligns the OpenAI keys with the base URLs and switches Ollama on with a URL', () => {
    const { env } = render(
      {
        openaiBaseUrls: ['https://api.openai.com/v1/', 'http://litellm.internal:4000/v1'],
        ollamaBaseUrl: 'http://ollama.internal:11434/',
        defaultUserRole: 'user',
        adminEmail: 'Ops@Example.com',
        adminName: 'Ops',
        extraEnv: { TZ: 'Europe/Berlin' },
      },
      { secrets: { ...context.secrets, openaiApiKeys: 'sk-1' } },
    );
    expect(env).toMatchObject({
      OPENAI_API_BASE_URLS: 'https://api.openai.com/v1;http://litellm.internal:4000/v1',
      OPENAI_API_KEYS: 'sk-1;',
      ENABLE_OLLAMA_API: 'true',
      OLLAMA_BASE_URL: 'http://ollama.internal:11434',
      DEFAULT_USER_ROLE: 'user',
      WEBUI_ADMIN_EMAIL: 'ops@example.com',
      WEBUI_ADMIN_NAME: 'Ops',
      TZ: 'Europe/Berlin',
    });
  });

  it('turns the OpenAI API off for an empty list', () => {
    const { env } = render({ openaiBaseUrls: [] });
    expect(env.ENABLE_OPENAI_API).toBe('false');
    expect(env).not.toHaveProperty('OPENAI_API_BASE_URLS');
    expect(env).not.toHaveProperty('OPENAI_API_KEYS');
  });

  it('refuses more keys than base URLs rather than dropping one', () => {
    expect(() =>
      render({}, { secrets: { ...context.secrets, openaiApiKeys: 'sk-1;sk-2' } }),
    ).toThrow(/2 keys for 1 openaiBaseUrls/);
  });

  it('trusts the proxy as plain addresses and sets cookies secure only over https', () => {
    const { env } = render(
      {},
      {
        publicOrigin: 'http://Bob.Agents.Example.com:8443/',
        proxyAddresses: ['172.30.0.1/32', 'fd00::1/128'],
      },
    );
    expect(env.FORWARDED_ALLOW_IPS).toBe('172.30.0.1,fd00::1');
    expect(env.WEBUI_URL).toBe('http://bob.agents.example.com:8443');
    expect(env.CORS_ALLOW_ORIGIN).toBe('http://bob.agents.example.com:8443');
    expect(env.WEBUI_SESSION_COOKIE_SECURE).toBe('false');
  });

  it('refuses to render without each generated secret, naming it', () => {
    expect(() => render({}, { secrets: { adminPassword: 'x' } })).toThrow(/secretKey/);
    expect(() => render({}, { secrets: { secretKey: 'x' } })).toThrow(/adminPassword/);
  });

  it('refuses an invalid config with the reason', () => {
    expect(() => render({ defaultUserRole: 'root' })).toThrow(
      /invalid Open WebUI config[\s\S]*defaultUserRole/,
    );
  });
});

describe('open-webui config schema', () => {
  const parse = (config: unknown) => openWebUI.configSchema.safeParse(config);

  it('fills defaults', () => {
    expect(parse({}).data).toEqual({
      openaiBaseUrls: ['https://api.openai.com/v1'],
      defaultUserRole: 'pending',
      adminEmail: 'admin@localhost',
      adminName: 'Admin',
      extraEnv: {},
    });
  });

  it.each([
    ['an unknown key', { enableSignup: true }],
    ['a base URL that is not a URL', { openaiBaseUrls: ['api.openai.com/v1'] }],
    ['a base URL of another scheme', { openaiBaseUrls: ['ftp://models.example.com'] }],
    ['a base URL with the list separator', { openaiBaseUrls: ['https://a.example.com/v1;x'] }],
    ['an Ollama URL that is not http(s)', { ollamaBaseUrl: 'file:///var/run/ollama.sock' }],
    ['an unknown role', { defaultUserRole: 'owner' }],
    ['an e-mail without a domain', { adminEmail: 'admin' }],
    ['an empty admin name', { adminName: '  ' }],
    ['a lower-case variable name', { extraEnv: { tz: 'UTC' } }],
    ['the secret key variable', { extraEnv: { WEBUI_SECRET_KEY: 'x' } }],
    ['an API key in plain config', { extraEnv: { OPENAI_API_KEYS: 'sk-1' } }],
    ['a data dir outside the volume', { extraEnv: { DATA_DIR: '/tmp' } }],
    ['turning persistent config off', { extraEnv: { ENABLE_PERSISTENT_CONFIG: 'false' } }],
    ['turning sign-in off', { extraEnv: { WEBUI_AUTH: 'false' } }],
  ])('rejects %s', (_what, config) => {
    expect(parse(config).success).toBe(false);
  });

  it('marks the fields seeded at first start in the form', () => {
    const properties = configJsonSchema(openWebUI).properties as Record<
      string,
      { description?: string }
    >;
    for (const key of openWebUI.seededAtFirstStart?.config ?? []) {
      expect(properties[key]?.description, key).toMatch(/Seeded at the first start/);
    }
    expect(properties.extraEnv?.description).not.toMatch(/Seeded at the first start/);
  });
});

describe('open-webui secrets and access', () => {
  it('generates the secret key and the admin password, and reveals only the password', () => {
    expect(openWebUI.generatedSecrets).toEqual(['secretKey', 'adminPassword']);
    expect(openWebUI.revealedSecrets).toEqual(['adminPassword']);
    expect(openWebUI.seededAtFirstStart?.secrets).toEqual(['openaiApiKeys']);
  });

  it('links to the UI without any token: Open WebUI has its own login', () => {
    expect(openWebUI.accessUrl?.('https://alice.agents.example.com', context.secrets)).toBe(
      'https://alice.agents.example.com/',
    );
    expect(openWebUI.capabilities).toEqual({ devicePairing: false, accessLink: true });
  });
});
