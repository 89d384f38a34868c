import { afterEach, describe, expect, it } from 'vitest';
import { type DockerError, DockerTimeoutError, DockerUnavailableError } from './errors.js';
import { DockerHost, describeDockerHost, parseDockerHost } from './host.js';

describe('parseDockerHost', () => {
  it('accepts a unix socket', () => {
    expect(parseDockerHost('unix:///var/run/docker.sock')).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
  });

  it('accepts tcp with and without a port, plain and TLS', () => {
    expect(parseDockerHost('tcp://10.0.0.5:2375')).toEqual({
      kind: 'tcp',
      host: '10.0.0.5',
      port: 2375,
    });
    expect(parseDockerHost('tcp://docker.internal')).toEqual({
      kind: 'tcp',
      host: 'docker.internal',
      port: 2375,
    });
    expect(parseDockerHost('tcp://docker.internal', { certDir: '/etc/agentpod/docker' })).toEqual({
      kind: 'tcp',
      host: 'docker.internal',
      port: 2376,
      tls: {
        caPath: '/etc/agentpod/docker/ca.pem',
        certPath: '/etc/agentpod/docker/cert.pem',
        keyPath: '/etc/agentpod/docker/key.pem',
      },
    });
    const files = { caPath: '/a/ca', certPath: '/a/cert', keyPath: '/a/key' };
    expect(parseDockerHost('tcp://h:9999', files)).toEqual({
      kind: 'tcp',
      host: 'h',
      port: 9999,
      tls: files,
    });
  });

  it('accepts ssh with user and optional port', () => {
    expect(parseDockerHost('ssh://deploy@node-2.example.com')).toEqual({
      kind: 'ssh',
      host: 'node-2.example.com',
      port: 22,
      username: 'deploy',
    });
    expect(
      parseDockerHost('ssh://deploy@10.1.1.1:2222', undefined, { agentSocket: '/run/ssh.sock' }),
    ).toEqual({
      kind: 'ssh',
      host: '10.1.1.1',
      port: 2222,
      username: 'deploy',
      agentSocket: '/run/ssh.sock',
    });
  });

  it.each([
    'http://localhost:2375',
    'unix://relative.sock',
    'docker.sock',
    'tcp://',
    'tcp://host:2375/path',
    '',
  ])('rejects %j naming the accepted forms', (url) => {
    expect(() => parseDockerHost(url)).toThrow(
      /unix:\/\/\/path\/to\/docker\.sock, tcp:\/\/host:port/,
    );
  });

  it('refuses TLS options on a unix socket', () => {
    expect(() => parseDockerHost('unix:///x.sock', { certDir: '/c' })).toThrow(
      /tcp:\/\/ hosts only/,
    );
  });

  it('describes hosts for messages', () => {
    expect(describeDockerHost(parseDockerHost('tcp://h:1', { certDir: '/c' }))).toBe(
      'tcp://h:1 (TLS)',
    );
    expect(describeDockerHost(parseDockerHost('ssh://u@h'))).toBe('ssh://u@h:22');
  });
});

describe('DockerHost', () => {
  const saved = process.env.DOCKER_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  it('ignores DOCKER_HOST from the environment', () => {
    process.env.DOCKER_HOST = 'tcp://203.0.113.7:2375';
    const host = new DockerHost(parseDockerHost('unix:///run/agentpod-docker.sock'));
    const modem = host.docker.modem as { socketPath?: unknown; host?: unknown };
    expect(modem.host).toBeUndefined();
    expect(modem.socketPath).toBe('/run/agentpod-docker.sock');
  });

  it('call() times out, aborts the work and names the op', async () => {
    const host = new DockerHost(parseDockerHost('unix:///nowhere.sock'), { timeoutMs: 20 });
    let seen: AbortSignal | undefined;
    const never = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<never>(() => {});
    };
    const err = await host.call('slow.op', never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerTimeoutError);
    expect((err as DockerTimeoutError).op).toBe('slow.op');
    expect(seen?.aborted).toBe(true);
  });

  it('call() maps failures and passes results through', async () => {
    const host = new DockerHost(parseDockerHost('unix:///nowhere.sock'));
    await expect(host.call('ok', async () => 42)).resolves.toBe(42);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = await host.call('x', () => Promise.reject(refused)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerUnavailableError);
    expect((err as DockerError).message).toContain('unix:///nowhere.sock');
  });
});
