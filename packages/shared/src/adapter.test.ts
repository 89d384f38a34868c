import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AgentAdapter, configJsonSchema, isSafeRelativePath } from './adapter.js';

describe('isSafeRelativePath', () => {
  it.each(['openclaw.json', 'a/b/c.txt', '.openclaw/x'])('accepts %s', (p) => {
    expect(isSafeRelativePath(p)).toBe(true);
  });
  it.each(['', '/etc/passwd', '../x', 'a/../../b', 'a//b', './a', 'a\\b'])('rejects %s', (p) => {
    expect(isSafeRelativePath(p)).toBe(false);
  });
});

describe('configJsonSchema', () => {
  it('renders the adapter config schema as JSON Schema with defaults and required fields', () => {
    const adapter = {
      configSchema: z.object({
        model: z.string(),
        extraEnv: z.record(z.string(), z.string()).default({}),
      }),
    } as unknown as AgentAdapter;
    const schema = configJsonSchema(adapter);
    expect(schema).toMatchObject({
      type: 'object',
      required: ['model'],
      properties: { model: { type: 'string' }, extraEnv: { type: 'object', default: {} } },
    });
  });
});
