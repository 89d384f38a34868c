import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.docker).toEqual({
      host: 'unix:///var/run/docker.sock',
      certDir: undefined,
      timeoutMs: 10_000,
    });
  });

  it('reads overrides, treating empty variables as unset', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db/agentpod',
      AGENTPOD_PORT: '9000',
      AGENTPOD_DATA_DIR: '',
      DOCKER_HOST: 'tcp://docker:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/certs',
    });
    expect(config.databaseUrl).toBe('postgres://u@db/agentpod');
    expect(config.listen.port).toBe(9000);
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.docker).toMatchObject({ host: 'tcp://docker:2376', certDir: '/certs' });
  });

  it('names the bad variable in one line', () => {
    expect(() => loadConfig({ AGENTPOD_PORT: 'eighty' })).toThrow(
      /^AGENTPOD_PORT .*\(got "eighty"\)$/,
    );
    expect(() => loadConfig({ AGENTPOD_BASE_DOMAIN: 'Bad_Domain' })).toThrowError(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });
});
