import { describe, expect, it } from 'vitest';
import { configPatch, initialValues, parseForm } from './form-values';
import { fieldsFromSchema, labelOf } from './schema-form';

// The shapes the adapters publish (z.toJSONSchema of their zod config, io: 'input').
const openclaw = {
  type: 'object',
  properties: {
    provider: {
      default: 'anthropic',
      description: 'Model provider',
      type: 'string',
      enum: ['anthropic', 'openai'],
    },
    model: {
      description: 'Primary model',
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9.-]*\\/\\S+$',
    },
    extraEnv: {
      default: {},
      type: 'object',
      propertyNames: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' },
      additionalProperties: { type: 'string', maxLength: 8 },
    },
  },
  required: ['model'],
  additionalProperties: false,
};
const openWebui = {
  type: 'object',
  properties: {
    openaiBaseUrls: { maxItems: 2, type: 'array', items: { type: 'string', format: 'uri' } },
    adminEmail: { type: 'string', format: 'email' },
    replicas: { type: 'integer', minimum: 1, maximum: 3 },
    signup: { type: 'boolean', default: false },
  },
};

describe('fields from an adapter JSON Schema', () => {
  it('maps each property to a field of the right kind, with path, marks and defaults', () => {
    const fields = fieldsFromSchema(openclaw);
    expect(fields.map((f) => [f.path, f.kind, f.required])).toEqual([
      ['config.provider', 'enum', false],
      ['config.model', 'text', true],
      ['config.extraEnv', 'map', false],
    ]);
    expect(fields[0]).toMatchObject({
      label: 'Provider',
      description: 'Model provider',
      default: 'anthropic',
      options: ['anthropic', 'openai'],
    });
    expect(fields[2]?.rules).toEqual({ item: { maxLength: 8 }, keyPattern: '^[A-Z_][A-Z0-9_]*$' });
    expect(fieldsFromSchema(openWebui).map((f) => f.kind)).toEqual([
      'list',
      'email',
      'integer',
      'boolean',
    ]);
  });

  it('labels camelCase names in words', () => {
    expect(labelOf('openaiBaseUrls')).toBe('OpenAI base URLs');
    expect(labelOf('providerApiKey')).toBe('Provider API key');
    expect(labelOf('extraEnv')).toBe('Extra environment');
  });

  it('starts a new form from the defaults and an existing pod from its config', () => {
    const fields = fieldsFromSchema(openclaw);
    expect(initialValues(fields)).toEqual({ provider: 'anthropic', model: '', extraEnv: '' });
    expect(
      initialValues(fields, { model: 'openai/gpt-6', extraEnv: { TZ: 'UTC', A: 'b' } }),
    ).toEqual({ provider: '', model: 'openai/gpt-6', extraEnv: 'TZ=UTC\nA=b' });
  });
});

describe('validating and reading a generated form', () => {
  it('turns valid input into the config, leaving empty optional fields out', () => {
    const fields = fieldsFromSchema(openclaw);
    const { config, errors } = parseForm(fields, {
      provider: 'openai',
      model: 'openai/gpt-6',
      extraEnv: 'TZ=UTC\n\n',
    });
    expect(errors).toEqual({});
    expect(config).toEqual({
      provider: 'openai',
      model: 'openai/gpt-6',
      extraEnv: { TZ: 'UTC' },
    });
  });

  it('names what is wrong with each field by its API path', () => {
    const { errors } = parseForm(fieldsFromSchema(openclaw), {
      provider: 'nope',
      model: '',
      extraEnv: 'lower=1\nTZ=way-too-long',
    });
    expect(errors).toEqual({
      'config.provider': 'is not one of the choices',
      'config.model': 'is required',
      'config.extraEnv': '"lower" must match ^[A-Z_][A-Z0-9_]*$',
    });
    const more = parseForm(fieldsFromSchema(openWebui), {
      openaiBaseUrls: 'https://a.example/v1\nnot a url',
      adminEmail: 'nobody',
      replicas: '4',
      signup: true,
    });
    expect(more.errors).toEqual({
      'config.openaiBaseUrls': '"not a url" must be a URL',
      'config.adminEmail': 'must be an e-mail address',
      'config.replicas': 'must be at most 3',
    });
  });

  it('reads lists one per line, numbers as numbers and checkboxes as booleans', () => {
    const { config, errors } = parseForm(fieldsFromSchema(openWebui), {
      openaiBaseUrls: ' https://a.example/v1 \nhttps://b.example/v1',
      adminEmail: 'ops@example.com',
      replicas: '2',
      signup: false,
    });
    expect(errors).toEqual({});
    expect(config).toEqual({
      openaiBaseUrls: ['https://a.example/v1', 'https://b.example/v1'],
      adminEmail: 'ops@example.com',
      replicas: 2,
      signup: false,
    });
  });

  it('patches only what changed, with null for what was removed', () => {
    expect(
      configPatch(
        { provider: 'anthropic', model: 'a/b', extraEnv: { TZ: 'UTC', OLD: '1' } },
        { provider: 'anthropic', extraEnv: { TZ: 'UTC', NEW: '2' } },
      ),
    ).toEqual({ model: null, extraEnv: { TZ: 'UTC', OLD: null, NEW: '2' } });
  });
});
