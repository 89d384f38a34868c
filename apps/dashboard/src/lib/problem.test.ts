import { describe, expect, it } from 'vitest';
import { formErrors } from './problem';

const fields = ['subdomain', 'config.provider', 'config.extraEnv', 'secrets.providerApiKey'];

describe('problem details onto a form', () => {
  it('puts each error on the field it names, or on the field that holds it', () => {
    const result = formErrors(
      {
        code: 'validation_failed',
        detail: 'config is not valid for OpenClaw',
        errors: [
          { path: 'subdomain', message: 'is reserved' },
          { path: 'config.extraEnv.PATH', message: 'is set by AgentPod' },
          { path: 'config.extraEnv.HOME', message: 'is set by AgentPod' },
        ],
      },
      fields,
    );
    expect(result).toEqual({
      fields: {
        subdomain: 'is reserved',
        'config.extraEnv': 'PATH: is set by AgentPod; HOME: is set by AgentPod',
      },
      form: null,
    });
  });

  it('shows what no field claims, and a problem without field errors, for the whole form', () => {
    expect(
      formErrors(
        {
          code: 'validation_failed',
          detail: 'the request is invalid',
          errors: [
            { path: 'config.provider', message: 'Invalid option' },
            { path: 'config.unknownKey', message: 'is not a known setting' },
          ],
        },
        fields,
      ),
    ).toEqual({
      fields: { 'config.provider': 'Invalid option' },
      form: 'the request is invalid (config.unknownKey: is not a known setting)',
    });
    expect(
      formErrors({ code: 'subdomain_taken', detail: 'alice is taken', errors: [] }, fields),
    ).toEqual({ fields: {}, form: 'alice is taken' });
  });

  it('does not take a field for another whose name it starts with', () => {
    expect(
      formErrors(
        { code: 'x', detail: 'd', errors: [{ path: 'config.providerX', message: 'm' }] },
        fields,
      ).form,
    ).toBe('d (config.providerX: m)');
  });
});
