import { describe, expect, it } from 'vitest';
import { classifyPullFailure, type PullMessage, PullProgressTracker } from './pull-progress.js';

describe('PullProgressTracker', () => {
  it('counts layers and bytes from the daemon stream, and ignores the lines about the tag', () => {
    const tracker = new PullProgressTracker();
    const lines: PullMessage[] = [
      { status: 'Pulling from agentpod/echo', id: '1' },
      { status: 'Already exists', progressDetail: {}, id: 'aaa' },
      { status: 'Pulling fs layer', progressDetail: {}, id: 'bbb' },
      { status: 'Pulling fs layer', progressDetail: {}, id: 'ccc' },
      { status: 'Downloading', progressDetail: { current: 100, total: 400 }, id: 'bbb' },
      { status: 'Downloading', progressDetail: { current: 50, total: 1000 }, id: 'ccc' },
    ];
    for (const line of lines) expect(tracker.push(line)).toBeUndefined();
    expect(tracker.progress).toEqual({ layers: 3, layersDone: 1, bytes: 1400, bytesDone: 150 });

    tracker.push({ status: 'Download complete', progressDetail: {}, id: 'bbb' });
    tracker.push({ status: 'Pull complete', progressDetail: {}, id: 'bbb' });
    tracker.push({ status: 'Pull complete', progressDetail: {}, id: 'ccc' });
    tracker.push({ status: `Digest: sha256:${'0'.repeat(64)}` });
    tracker.push({ status: 'Status: Downloaded newer image for 127.0.0.1:5055/agentpod/echo:1' });
    expect(tracker.progress).toEqual({ layers: 3, layersDone: 3, bytes: 1400, bytesDone: 1400 });
  });

  it('returns the daemon error text of a failing pull', () => {
    const tracker = new PullProgressTracker();
    expect(
      tracker.push({
        errorDetail: { message: 'unauthorized: authentication required' },
        error: 'unauthorized: authentication required',
      }),
    ).toBe('unauthorized: authentication required');
  });
});

describe('classifyPullFailure', () => {
  it.each([
    [
      'manifest for 127.0.0.1:5055/nope:1 not found: manifest unknown: manifest unknown',
      'not_found',
    ],
    [
      "pull access denied for nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      'not_found',
    ],
    ['unauthorized: authentication required', 'unauthorized'],
    ['Head "http://127.0.0.1:5056/v2/x/manifests/1": no basic auth credentials', 'unauthorized'],
    [
      'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
      'unreachable',
    ],
    [
      'Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host',
      'unreachable',
    ],
    ['no progress from the registry for 120 s', 'unreachable'],
    ['something nobody has seen before', 'unknown'],
  ])('%s -> %s', (message, failure) => {
    expect(classifyPullFailure(message)).toBe(failure);
  });
});
