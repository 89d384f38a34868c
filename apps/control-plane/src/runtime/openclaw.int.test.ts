// The real OpenClaw gateway in a container: the heaviest thing the Docker layer has to run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContainer,
  findContainerByName,
  removeContainer,
  startContainer,
} from './containers.js';
import { execInContainer } from './exec.js';
import {
  eventually,
  removeTestObjects,
  TEST_LABELS,
  testHost,
  testImage,
  testName,
} from './testing.js';

const host = testHost();

beforeAll(() => removeTestObjects(host));
afterAll(() => removeTestObjects(host));

describe('OpenClaw gateway', () => {
  it('starts and answers /healthz from inside its container', async () => {
    const name = testName('openclaw');
    const id = await createContainer(host, {
      name,
      image: testImage('OPENCLAW'),
      env: { OPENCLAW_GATEWAY_TOKEN: 'aptest-token', HOME: '/home/node' },
      labels: TEST_LABELS,
      mounts: [],
      memoryBytes: 1536 * 1024 * 1024,
    });
    await startContainer(host, id);

    // busybox wget: no -T/-S (they segfault); a refused connection just exits non-zero.
    const body = await eventually(
      'the gateway to report healthy',
      async () => {
        const r = await execInContainer(host, id, [
          'wget',
          '-qO-',
          'http://127.0.0.1:18789/healthz',
        ]);
        return r.exitCode === 0 && r.stdout.includes('"ok"') ? r.stdout : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(JSON.parse(body)).toMatchObject({ ok: true });

    await removeContainer(host, id, { force: true });
    expect(await findContainerByName(host, name)).toBeNull();
  });
});
