// Reaching (and failing to reach) a Docker host.
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listContainers } from './containers.js';
import { DockerTimeoutError, DockerUnavailableError } from './errors.js';
import { DockerHost, parseDockerHost } from './host.js';
import { testHost } from './testing.js';

describe('DockerHost', () => {
  it('pings the real daemon', async () => {
    await expect(testHost().ping()).resolves.toBeUndefined();
  });

  it('reports a missing socket as unavailable, naming the address', async () => {
    const host = new DockerHost(parseDockerHost('unix:///nonexistent.sock'));
    const err = await host.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerUnavailableError);
    expect((err as Error).message).toContain('unix:///nonexistent.sock');
    await expect(listContainers(host, {})).rejects.toBeInstanceOf(DockerUnavailableError);
  });

  it('times out against a daemon that accepts but never answers, and hangs up', async () => {
    const socketPath = join(tmpdir(), `aptest-silent-${randomBytes(4).toString('hex')}.sock`);
    const open = new Set<Socket>();
    const server = createServer((socket) => {
      open.add(socket);
      socket.resume(); // read (and ignore) the request, so the client's hang-up is noticed
      socket.on('close', () => open.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const host = new DockerHost({ kind: 'unix', socketPath }, { timeoutMs: 200 });
      const err = await host.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DockerTimeoutError);
      expect(err).toMatchObject({ op: 'ping', timeoutMs: 200 });
      // The request was aborted, not abandoned: its connection gets closed.
      await expect.poll(() => open.size).toBe(0);
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
