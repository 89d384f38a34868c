// SIGTERM to the built `agentpod server` while a client follows a pod's logs: the stream is
// ended cleanly (the client reads to its end, no reset), and the process exits with 0 before the
// shutdown deadline instead of waiting for the client to hang up.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../db/testing.js';
import { LABEL_POD_ID } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { ControlPlaneProcess } from './testing.js';

const SHUTDOWN_TIMEOUT_MS = 20_000;
let cp: ControlPlaneProcess;
let dropDatabase: () => Promise<void>;
let dataDir: string;
let podId = '';

beforeAll(async () => {
  const db = await createScratchDatabase();
  dropDatabase = db.drop;
  dataDir = mkdtempSync(join(tmpdir(), 'agentpod-shutdown-'));
  cp = new ControlPlaneProcess({
    DATABASE_URL: db.url,
    AGENTPOD_DATA_DIR: dataDir,
    AGENTPOD_SECRET_KEY: randomBytes(32).toString('base64'),
    AGENTPOD_PROXY: 'none',
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    AGENTPOD_POD_SUBNET_POOL: '10.243.0.0/16',
    AGENTPOD_SWEEP_DRY_RUN: 'true',
    AGENTPOD_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  await cp.start();
});

afterAll(async () => {
  await cp?.kill();
  if (podId) await removeTestObjects(testHost(), { [LABEL_POD_ID]: podId });
  await dropDatabase?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('ends open log-follow streams cleanly and exits with 0 within the deadline', async () => {
    const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'shutdown' });
    const created = await cp.api<PodWithStatus>('POST', '/pods', {
      tenantId: tenant.body.id,
      subdomain: 'shutdown',
      resources: { memoryMb: 64 },
    });
    expect(created.status).toBe(201);
    podId = created.body.id;
    await eventually(
      'the pod running',
      async () => {
        const { body } = await cp.api<PodWithStatus>('GET', `/pods/${podId}`);
        return body.status.phase === 'running' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );

    const res = await fetch(`${cp.url}/api/v1/pods/${podId}/logs?follow=true&tail=10`, {
      headers: { authorization: `Bearer ${cp.token}` },
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    // The stand-in logs one line at start: the stream is open and flowing.
    let text = '';
    while (!text.includes('\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the log stream ended before SIGTERM');
      text += new TextDecoder().decode(value);
    }
    const rest = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })();

    const signalledAt = Date.now();
    await cp.stop();
    const exitMs = Date.now() - signalledAt;
    // A clean end of a chunked body (a reset would reject): the client saw the stream end.
    expect(await rest).toBe('ended');
    expect(cp.exitCode).toBe(0);
    expect(cp.output).toMatch(/shut down cleanly/);
    console.info(`shutdown figures: exited ${exitMs} ms after SIGTERM with a log stream open`);
  });
});
