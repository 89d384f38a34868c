import { describe, expect, it } from 'vitest';
import {
  DockerConflictError,
  DockerError,
  DockerNotFoundError,
  DockerTimeoutError,
  DockerUnavailableError,
  toDockerError,
} from './errors.js';

/** The shape docker-modem gives a non-2xx answer. */
function modemError(statusCode: number, message: string) {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
    statusCode,
    reason: 'unexpected',
    json: { message },
  });
}

function socketError(code: string) {
  return Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
}

describe('toDockerError', () => {
  it('maps 404 to DockerNotFoundError with the daemon message and the op', () => {
    const err = toDockerError('container.inspect', modemError(404, 'No such container: abc'));
    expect(err).toBeInstanceOf(DockerNotFoundError);
    expect(err.op).toBe('container.inspect');
    expect(err.statusCode).toBe(404);
    expect(err.message).toBe('container.inspect: No such container: abc');
  });

  it('maps 409 to DockerConflictError', () => {
    const err = toDockerError('container.create', modemError(409, 'name already in use'));
    expect(err).toBeInstanceOf(DockerConflictError);
    expect(err).toBeInstanceOf(DockerError);
  });

  it.each(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET'])(
    'maps %s to DockerUnavailableError naming the address',
    (code) => {
      const cause = socketError(code);
      const err = toDockerError('ping', cause, 'unix:///var/run/docker.sock');
      expect(err).toBeInstanceOf(DockerUnavailableError);
      expect(err.message).toContain('unix:///var/run/docker.sock');
      expect(err.message).toContain(code);
      expect(err.cause).toBe(cause);
    },
  );

  it('keeps other statuses as plain DockerError with the status', () => {
    const err = toDockerError('container.start', modemError(500, 'OCI runtime create failed'));
    expect(err.constructor).toBe(DockerError);
    expect(err.statusCode).toBe(500);
    expect(err.message).toContain('OCI runtime create failed');
  });

  it("says what a full bridge means, where Docker passes on the kernel's word", () => {
    // Docker 20.10's answer to the 1,024th container on one bridge, measured here.
    const message =
      'failed to create endpoint ap-x on network agentpod-pods: adding interface vetha6b1a41 to bridge br-9e9f72e81401 failed: exchange full';
    const err = toDockerError('container.start', modemError(500, message));
    expect(err).toBeInstanceOf(DockerError);
    expect(err.code).toBe('docker_network_full');
    expect(err.message).toBe(
      `container.start: ${message}: the network is full: a Linux bridge holds at most 1,023 containers, and all of an installation's pods share one; delete pods, or run more on another host`,
    );
  });

  it('reads a plain-text body when the daemon sent no JSON', () => {
    const raw = Object.assign(new Error('(HTTP code 400) bad parameter'), {
      statusCode: 400,
      json: Buffer.from('page not found\n'),
    });
    expect(toDockerError('x', raw).message).toBe('x: page not found');
  });

  it('wraps unknown failures without losing them', () => {
    const cause = new TypeError('boom');
    const err = toDockerError('volume.create', cause);
    expect(err.constructor).toBe(DockerError);
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('volume.create: boom');
    expect(toDockerError('x', 'a string').message).toBe('x: a string');
  });

  it('passes typed errors through unchanged', () => {
    const timeout = new DockerTimeoutError('ping', 5);
    expect(toDockerError('other', timeout)).toBe(timeout);
    expect(timeout.message).toBe('ping: no answer from Docker within 5 ms');
  });
});

describe('error codes', () => {
  it('gives each class a stable code and its own name', () => {
    const unavailable = toDockerError('ping', socketError('ENOENT'), 'unix:///x.sock');
    expect([unavailable.code, unavailable.name]).toEqual([
      'docker_unavailable',
      'DockerUnavailableError',
    ]);
    const missing = toDockerError('x', modemError(404, 'gone'));
    expect([missing.code, missing.name]).toEqual(['docker_not_found', 'DockerNotFoundError']);
    expect(new DockerTimeoutError('x', 1).code).toBe('docker_timeout');
    expect(toDockerError('x', modemError(409, 'in use')).code).toBe('docker_conflict');
    expect(toDockerError('x', new Error('?')).code).toBe('docker_error');
  });
});
