// Merged pod files through the real Docker archive API, on a created (never started) container
// with a state volume, as the executor writes them before each start.
import type { PlannedFile } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContainer,
  ensureVolume,
  LABEL_MANAGED,
  readFile,
  writeFiles,
} from '../runtime/index.js';
import {
  removeTestObjects,
  TEST_LABEL,
  testHost,
  testImage,
  testName,
} from '../runtime/testing.js';
import { describeRestored, writePodFiles } from './pod-files.js';
import type { PodSpec } from './spec.js';

const host = testHost();
const LABELS = { [LABEL_MANAGED]: 'true', [TEST_LABEL]: 'pod-files' };
const MOUNT = '/home/node/.openclaw';
const RENDERED = `${JSON.stringify({ gateway: { bind: 'lan', port: 18789 } }, null, 2)}\n`;
const FILE: PlannedFile = {
  path: 'openclaw.json',
  content: RENDERED,
  mode: 0o600,
  ownedPaths: [
    ['gateway', 'bind'],
    ['gateway', 'port'],
  ],
};
let spec: PodSpec;

const read = async (path: string) => readFile(host, spec.container.name, `${MOUNT}/${path}`);
/** What the tenant (or the agent) leaves in the volume between starts. */
const tenantWrites = (content: string | Buffer) =>
  writeFiles(host, spec.container.name, MOUNT, [
    { path: 'openclaw.json', content, mode: 0o600, uid: 1000, gid: 1000 },
  ]);

beforeAll(async () => {
  await removeTestObjects(host, { [TEST_LABEL]: 'pod-files' });
  const volume = testName('pod-files');
  await ensureVolume(host, { name: volume, labels: LABELS });
  const container = {
    name: testName('pod-files'),
    image: testImage('ECHO'),
    env: {},
    user: '1000:1000',
    labels: LABELS,
    mounts: [{ volume, target: MOUNT }],
  };
  await createContainer(host, container);
  spec = { container, files: [FILE], stateMountPath: MOUNT, port: 18789, hash: 'test' };
});

afterAll(() => removeTestObjects(host, { [TEST_LABEL]: 'pod-files' }));

describe('writePodFiles', () => {
  it('writes a merged file whole on first boot, with a record of what it rendered', async () => {
    const outcome = await writePodFiles(host, spec.container.name, spec, new Date());
    expect(outcome).toEqual({ restored: [], unreadable: [], reformatted: [] });
    expect((await read('openclaw.json')).toString()).toBe(RENDERED);
    expect((await read('.agentpod/last-applied/openclaw.json')).toString()).toBe(RENDERED);
  });

  it("keeps the tenant's keys and puts back a managed one", async () => {
    await tenantWrites('{\n  "gateway": {"bind": "loopback", "port": 18789},\n  "ui": {}\n}\n');
    const outcome = await writePodFiles(host, spec.container.name, spec, new Date());
    expect(outcome.restored.map(describeRestored)).toEqual([
      'put back managed settings in openclaw.json: gateway.bind (was "loopback")',
    ]);
    expect((await read('openclaw.json')).toString()).toBe(
      '{\n  "gateway": {"bind": "lan", "port": 18789},\n  "ui": {}\n}\n',
    );
  });

  it('keeps an unreadable file aside, byte for byte, and writes a new one', async () => {
    const garbage = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x0a]);
    await tenantWrites(garbage);
    const now = new Date('2026-11-29T18:00:00.123Z');
    const outcome = await writePodFiles(host, spec.container.name, spec, now);
    const keptAs = 'openclaw.json.unreadable-2026-11-29T18-00-00-123Z';
    expect(outcome.unreadable).toEqual([
      { path: 'openclaw.json', keptAs, reason: expect.any(String) },
    ]);
    expect(await read(keptAs)).toEqual(garbage);
    expect((await read('openclaw.json')).toString()).toBe(RENDERED);
  });
});
