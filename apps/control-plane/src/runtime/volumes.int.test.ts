// Volumes against the real daemon: idempotent ensure, pre-seeding files into several volumes
// through one helper container, and the in-use conflict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer, listContainers, startContainer } from './containers.js';
import { DockerConflictError } from './errors.js';
import { execInContainer } from './exec.js';
import { writeFilesToVolumes } from './files.js';
import { removeTestObjects, TEST_LABELS, testHost, testImage, testName } from './testing.js';
import { ensureVolume, inspectVolume, listVolumes, removeVolume } from './volumes.js';

const host = testHost();

beforeAll(() => removeTestObjects(host));
afterAll(() => removeTestObjects(host));

describe('volumes', () => {
  it('ensureVolume creates once and then returns the same volume', async () => {
    const name = testName('vol');
    const first = await ensureVolume(host, { name, labels: TEST_LABELS });
    const second = await ensureVolume(host, { name, labels: TEST_LABELS });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ name, driver: 'local', labels: TEST_LABELS });
    expect(first.createdAt).toBeInstanceOf(Date);
    const listed = await listVolumes(host, { 'agentpod.test': 'runtime' });
    expect(listed.filter((v) => v.name === name)).toHaveLength(1);

    await removeVolume(host, name);
    expect(await inspectVolume(host, name)).toBeNull();
    await removeVolume(host, name); // already gone
    expect(await listVolumes(host, { 'agentpod.test': 'no-such-value' })).toEqual([]);
  });

  it('seeds files into several volumes at once that pod containers then see, owned as asked', async () => {
    const volume = testName('vol-seed');
    // A second volume that a container has mounted already: Docker copied the image's
    // /home/node (owned 1000:1000) into it, and a write without `root` leaves that as it is.
    const copied = testName('vol-seed-copied');
    await ensureVolume(host, { name: volume, labels: TEST_LABELS });
    await ensureVolume(host, { name: copied, labels: TEST_LABELS });
    const copiedPod = await createContainer(host, {
      name: testName('vol-copied'),
      image: testImage('STANDIN'),
      cmd: ['sleep', '3600'],
      env: {},
      labels: TEST_LABELS,
      mounts: [{ volume: copied, target: '/home/node' }],
    });
    const mode = 0o600;
    await writeFilesToVolumes(
      host,
      [
        {
          volume,
          files: [
            {
              path: '.openclaw/openclaw.json',
              content: '{"gateway":{}}',
              mode,
              uid: 1000,
              gid: 1000,
            },
            { path: 'README', content: 'seeded\n', mode: 0o644 },
          ],
          root: { mode: 0o750, uid: 1000, gid: 1000 },
        },
        {
          volume: copied,
          files: [
            { path: '.openclaw/openclaw.json', content: '{"other":1}', mode, uid: 1000, gid: 1000 },
          ],
        },
      ],
      { helperImage: testImage('BASE'), labels: TEST_LABELS, name: testName('vol-writer') },
    );
    // The helper container is gone: only the volumes remain.
    const helpers = (await listContainers(host, { 'agentpod.test': 'runtime' })).filter((c) =>
      c.name.includes('vol-writer'),
    );
    expect(helpers).toEqual([]);

    await startContainer(host, copiedPod);
    expect(
      await execInContainer(host, copiedPod, [
        'stat',
        '-c',
        '%n %a %u:%g',
        '/home/node',
        '/home/node/.openclaw/openclaw.json',
      ]),
    ).toMatchObject({
      exitCode: 0,
      stdout: '/home/node 755 1000:1000\n/home/node/.openclaw/openclaw.json 600 1000:1000\n',
    });
    expect(
      await execInContainer(host, copiedPod, ['cat', '/home/node/.openclaw/openclaw.json']),
    ).toMatchObject({ stdout: '{"other":1}' });

    const pod = await createContainer(host, {
      name: testName('vol-reader'),
      image: testImage('BASE'),
      cmd: ['sleep', '3600'],
      env: {},
      labels: TEST_LABELS,
      mounts: [{ volume, target: '/home/node' }],
    });
    await startContainer(host, pod);
    const cat = await execInContainer(host, pod, ['cat', '/home/node/.openclaw/openclaw.json']);
    expect(cat).toEqual({ exitCode: 0, stdout: '{"gateway":{}}', stderr: '' });
    const stat = await execInContainer(host, pod, [
      'stat',
      '-c',
      '%n %a %u:%g',
      '/home/node',
      '/home/node/.openclaw',
      '/home/node/.openclaw/openclaw.json',
      '/home/node/README',
    ]);
    expect(stat.stdout.trim().split('\n')).toEqual([
      '/home/node 750 1000:1000',
      '/home/node/.openclaw 755 1000:1000',
      '/home/node/.openclaw/openclaw.json 600 1000:1000',
      '/home/node/README 644 0:0',
    ]);

    // Still mounted: removal is refused with a typed conflict and the volume stays.
    await expect(removeVolume(host, volume)).rejects.toBeInstanceOf(DockerConflictError);
    expect(await inspectVolume(host, volume)).not.toBeNull();
  });
});
