import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const noAddress = { hostAddress: () => undefined };

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = loadConfig({}, noAddress);
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
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://u@db/agentpod',
        AGENTPOD_PORT: '9000',
        AGENTPOD_DATA_DIR: '',
        DOCKER_HOST: 'tcp://docker:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: '/certs',
      },
      noAddress,
    );
    expect(config.databaseUrl).toBe('postgres://u@db/agentpod');
    expect(config.listen.port).toBe(9000);
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.docker).toMatchObject({ host: 'tcp://docker:2376', certDir: '/certs' });
  });

  it("sizes the installation's pod network, and says an old per-pod setting is not used any more", () => {
    expect(loadConfig({}, noAddress)).toMatchObject({
      podNetwork: { pool: '10.213.0.0/16', prefix: 20 },
      notices: [],
    });
    const old = loadConfig({ AGENTPOD_POD_SUBNET_PREFIX: '28' }, noAddress);
    expect(old.podNetwork.prefix).toBe(20);
    expect(old.notices).toEqual([
      expect.stringMatching(/^AGENTPOD_POD_SUBNET_PREFIX is no longer used/),
    ]);
    expect(() => loadConfig({ AGENTPOD_POD_NETWORK_PREFIX: '29' }, noAddress)).toThrow(
      /AGENTPOD_POD_NETWORK_PREFIX/,
    );
  });

  it('leaves the probe interval to each agent type unless the operator sets one', () => {
    expect(loadConfig({}, noAddress).probeIntervalMs).toBeUndefined();
    expect(loadConfig({ AGENTPOD_PROBE_INTERVAL_MS: '10000' }, noAddress).probeIntervalMs).toBe(
      10_000,
    );
    expect(() => loadConfig({ AGENTPOD_PROBE_INTERVAL_MS: '500' }, noAddress)).toThrow(
      /^AGENTPOD_PROBE_INTERVAL_MS .*\(got "500"\)$/,
    );
  });

  it('caps probes at 10 and stats readings at 5 a second unless the operator sets another rate', () => {
    const defaults = loadConfig({}, noAddress);
    expect(defaults.probesPerSecond).toBe(10);
    expect(defaults.stats.readingsPerSecond).toBe(5);
    const set = loadConfig(
      { AGENTPOD_PROBES_PER_SECOND: '100', AGENTPOD_STATS_READINGS_PER_SECOND: '0.5' },
      noAddress,
    );
    expect(set.probesPerSecond).toBe(100);
    expect(set.stats.readingsPerSecond).toBe(0.5);
    expect(() => loadConfig({ AGENTPOD_PROBES_PER_SECOND: '0' }, noAddress)).toThrow(
      /^AGENTPOD_PROBES_PER_SECOND .*\(got "0"\)$/,
    );
  });

  it('names the bad variable in one line', () => {
    expect(() => loadConfig({ AGENTPOD_PORT: 'eighty' }, noAddress)).toThrow(
      /^AGENTPOD_PORT .*\(got "eighty"\)$/,
    );
    expect(() => loadConfig({ AGENTPOD_BASE_DOMAIN: 'Bad_Domain' }, noAddress)).toThrowError(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('derives a base domain that reaches this host without DNS work, from its non-loopback address', () => {
    const config = loadConfig({}, { hostAddress: () => '192.0.2.2' });
    expect(config.baseDomain).toBe('192-0-2-2.sslip.io');
    expect(config.baseDomainSource).toBe('host-address');
    expect(loadConfig({ AGENTPOD_PUBLIC_IP: '203.0.113.9' }, noAddress).baseDomain).toBe(
      '203-0-113-9.sslip.io',
    );
    const set = loadConfig(
      { AGENTPOD_BASE_DOMAIN: 'agents.example.com' },
      { hostAddress: () => '192.0.2.2' },
    );
    expect(set).toMatchObject({ baseDomain: 'agents.example.com', baseDomainSource: 'setting' });
    expect(loadConfig({}, noAddress)).toMatchObject({
      baseDomain: 'agents.localhost',
      baseDomainSource: 'fallback',
    });
  });

  it('runs its own proxy by default, with its own CA, on 443 and 80', () => {
    const config = loadConfig({}, noAddress);
    expect(config.proxy).toEqual({
      mode: 'managed',
      image: 'caddy:2.10.2',
      httpsPort: 443,
      httpPort: 80,
      adminPort: 2019,
      tls: { issuer: 'internal' },
    });
    expect(config.publicUrl).toEqual({ scheme: 'https', port: undefined });
  });

  it('uses ACME only for a real domain with a contact address, and the proxy port in public URLs', () => {
    const acme = loadConfig(
      {
        AGENTPOD_BASE_DOMAIN: 'agents.example.com',
        AGENTPOD_ACME_EMAIL: 'ops@example.com',
        AGENTPOD_PROXY_HTTPS_PORT: '8443',
      },
      noAddress,
    );
    expect(acme.proxy).toMatchObject({ tls: { issuer: 'acme', email: 'ops@example.com' } });
    expect(acme.publicUrl.port).toBe(8443);
    // An e-mail alone, with a derived sslip.io domain, stays on the internal CA.
    const derived = loadConfig(
      { AGENTPOD_ACME_EMAIL: 'ops@example.com' },
      { hostAddress: () => '192.0.2.2' },
    );
    expect(derived.proxy).toMatchObject({ tls: { issuer: 'internal' } });
    expect(() => loadConfig({ AGENTPOD_PROXY_TLS: 'acme' }, noAddress)).toThrow(
      /AGENTPOD_ACME_EMAIL/,
    );
  });

  it("takes an operator's Caddy or Traefik, and refuses either without what it needs", () => {
    const caddy = loadConfig({ AGENTPOD_CADDY_ADMIN_URL: 'http://127.0.0.1:2019' }, noAddress);
    expect(caddy.proxy).toMatchObject({ mode: 'caddy', adminUrl: 'http://127.0.0.1:2019' });
    expect(() => loadConfig({ AGENTPOD_PROXY: 'caddy' }, noAddress)).toThrow(
      /AGENTPOD_CADDY_ADMIN_URL/,
    );
    expect(() => loadConfig({ AGENTPOD_PROXY: 'traefik' }, noAddress)).toThrow(
      /AGENTPOD_PROXY_TOKEN/,
    );
    const traefik = loadConfig(
      { AGENTPOD_PROXY: 'traefik', AGENTPOD_PROXY_TOKEN: 'a-long-enough-token' },
      noAddress,
    );
    expect(traefik.proxy).toEqual({ mode: 'traefik' });
    expect(loadConfig({ AGENTPOD_PROXY: 'none' }, noAddress).proxy).toEqual({ mode: 'none' });
  });
});

describe('container log rotation and volume alert settings', () => {
  it('default to 10m x 3 and a 5 GiB alert', () => {
    const config = loadConfig({}, noAddress);
    expect(config.containerLogs).toEqual({ maxSize: '10m', maxFiles: 3 });
    expect(config.volumeUsage).toEqual({ intervalMs: 300_000, alertBytes: 5120 * 1024 * 1024 });
  });

  it('refuse a size Docker would not take, or no kept file, at start', () => {
    expect(() => loadConfig({ AGENTPOD_LOG_MAX_SIZE: '10 MB' }, noAddress)).toThrow(
      /^AGENTPOD_LOG_MAX_SIZE must be a size like 10m .*\(got "10 MB"\)$/,
    );
    expect(() => loadConfig({ AGENTPOD_LOG_MAX_FILES: '0' }, noAddress)).toThrowError(
      expect.objectContaining({ code: 'config_invalid' }),
    );
    expect(loadConfig({ AGENTPOD_LOG_MAX_SIZE: '512k' }, noAddress).containerLogs.maxSize).toBe(
      '512k',
    );
  });
});
