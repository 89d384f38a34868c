import { describe, expect, it } from 'vitest';
import { EXEC_ENV, extraEnvSchema } from './extra-env.js';
import { OpenWebUIConfig } from './open-webui.js';
import { OpenClawConfig } from './openclaw.js';

const schema = extraEnvSchema(new Set(['HOME']), 'is set by AgentPod', ['AGENT_']);

function refusal(env: Record<string, string>): string | undefined {
  const parsed = schema.safeParse(env);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

describe('extraEnv', () => {
  it.each([
    'NODE_OPTIONS',
    'NODE_PATH',
    'LD_PRELOAD',
    'LD_LIBRARY_PATH',
    'LD_AUDIT',
    'PATH',
    'PYTHONPATH',
    'PYTHONSTARTUP',
    'BASH_ENV',
    'ENV',
    'SHELLOPTS',
    'GLIBC_TUNABLES',
    'JAVA_TOOL_OPTIONS',
  ])('refuses %s and says why', (name) => {
    expect(refusal({ [name]: 'x' })).toBe(
      `${name}: changes how the agent's runtime loads code; not allowed in extraEnv`,
    );
  });

  it("refuses the adapter's reserved names and its own namespace", () => {
    expect(refusal({ HOME: '/root' })).toBe('is set by AgentPod');
    expect(refusal({ AGENT_X: '1' })).toMatch(/^AGENT_X: AGENT_\* variables are the agent's own/);
  });

  it.each(['a\r\nSet-Cookie: x=1', 'two\nlines', 'nul\u0000byte'])(
    'refuses a value with a control character: %j',
    (value) => {
      expect(refusal({ EXTRA_HEADER: value })).toMatch(/^contains a control character/);
    },
  );

  it('keeps variables that only tune behaviour', () => {
    const env = {
      TZ: 'UTC',
      NODE_ENV: 'production',
      NODE_EXTRA_CA_CERTS: '/ca.pem',
      HTTPS_PROXY: 'http://p:3128',
      GREETING: 'tab\tseparated is one line',
    };
    expect(schema.parse(env)).toEqual(env);
  });

  it('is applied by both adapters, with the OpenClaw namespace closed', () => {
    for (const config of [OpenClawConfig, OpenWebUIConfig]) {
      expect(config.safeParse({ extraEnv: { NODE_OPTIONS: '--require /x.js' } }).success).toBe(
        false,
      );
      expect(config.safeParse({ extraEnv: { LD_PRELOAD: '/x.so' } }).success).toBe(false);
    }
    const insecure = OpenClawConfig.safeParse({
      extraEnv: { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: '1' },
    });
    expect(insecure.success).toBe(false);
  });

  it('gives device commands a fixed PATH and empty loader variables', () => {
    expect(EXEC_ENV.PATH).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(EXEC_ENV.NODE_OPTIONS).toBe('');
    expect(EXEC_ENV.LD_PRELOAD).toBe('');
  });
});
