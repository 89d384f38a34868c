import { describe, expect, it } from 'vitest';
import { containerCreateBody } from './container-spec.js';

describe('containerCreateBody', () => {
  it('translates a pod spec into the Engine API body', () => {
    const body = containerCreateBody({
      name: 'pod-abc',
      image: 'agentpod/openclaw:1',
      env: { OPENCLAW_GATEWAY_TOKEN: 't', HOME: '/home/node' },
      labels: { 'agentpod.managed': 'true' },
      mounts: [{ volume: 'pod-abc-home', target: '/home/node' }],
      network: { name: 'tenant-1', aliases: ['abc'], ipv4Address: '10.213.0.5' },
      exposedPorts: [18789],
      publish: [{ containerPort: 8080, hostPort: 18080, hostIp: '127.0.0.1' }],
      memoryBytes: 1_073_741_824,
      restartPolicy: 'unless-stopped',
      healthcheck: {
        test: ['CMD', 'true'],
        intervalMs: 5_000,
        timeoutMs: 2_000,
        retries: 3,
        startPeriodMs: 30_000,
      },
    });
    expect(body.Env).toEqual(['OPENCLAW_GATEWAY_TOKEN=t', 'HOME=/home/node']);
    expect(body.Tty).toBe(false);
    expect(body.ExposedPorts).toEqual({ '18789/tcp': {}, '8080/tcp': {} });
    expect(body.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }],
    });
    expect(body.HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'pod-abc-home', Target: '/home/node', ReadOnly: false },
    ]);
    expect(body.HostConfig?.RestartPolicy).toEqual({ Name: 'unless-stopped' });
    expect(body.HostConfig?.NetworkMode).toBe('tenant-1');
    expect(body.NetworkingConfig?.EndpointsConfig?.['tenant-1']).toEqual({
      Aliases: ['abc'],
      IPAMConfig: { IPv4Address: '10.213.0.5' },
    });
    // Docker's durations are nanoseconds.
    expect(body.Healthcheck).toEqual({
      Test: ['CMD', 'true'],
      Interval: 5_000_000_000,
      Timeout: 2_000_000_000,
      Retries: 3,
      StartPeriod: 30_000_000_000,
    });
  });

  it('leaves the network to Docker when none is given', () => {
    const body = containerCreateBody({ name: 'n', image: 'i', env: {}, labels: {}, mounts: [] });
    expect(body.NetworkingConfig).toBeUndefined();
    expect(body.HostConfig?.NetworkMode).toBeUndefined();
    expect(body.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
  });
});
