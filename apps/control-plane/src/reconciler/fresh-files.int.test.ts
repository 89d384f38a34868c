// New pods' files written together into their fresh volumes, on the real daemon: the first
// alone into its own container, the ones that came meanwhile through one helper, each into
// its own volume, over what Docker copied from the image, and no helper left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContainer,
  DockerNotFoundError,
  ensureVolume,
  execInContainer,
  FILE_WRITER_ROLE,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_ROLE,
  listContainers,
  readFile,
  removeContainer,
  startContainer,
} from '../runtime/index.js';
import {
  removeTestObjects,
  TEST_LABEL,
  testHost,
  testImage,
  testName,
} from '../runtime/testing.js';
import { type FreshVolumeWrite, type FreshWriteBatch, freshVolumeWriter } from './fresh-files.js';

const host = testHost();
const TEST = { [TEST_LABEL]: 'fresh-files' };
// The helpers carry this installation's label only: the test's own, unique to this run.
const installationId = testName('fresh-files-installation');
const MOUNT = '/app/backend/data';
const IMAGE = testImage('OPEN_WEBUI_STANDIN');

/** A created container mounting a new volume, as the executor has it before the first start. */
async function newPod(): Promise<FreshVolumeWrite> {
  const name = testName('fresh-files');
  await ensureVolume(host, { name, labels: { ...TEST, [LABEL_MANAGED]: 'true' } });
  const containerId = await createContainer(host, {
    name,
    image: IMAGE,
    env: {},
    user: '1000:1000',
    labels: TEST,
    mounts: [{ volume: name, target: MOUNT }],
  });
  return {
    containerId,
    mountPath: MOUNT,
    volume: name,
    image: IMAGE,
    files: [
      {
        path: 'open-webui/README.agentpod',
        content: `the data folder of ${name}\n`,
        mode: 0o644,
        uid: 1000,
        gid: 1000,
      },
    ],
  };
}

const helpers = async () =>
  (await listContainers(host, { [LABEL_INSTALLATION]: installationId })).filter(
    (c) => c.labels[LABEL_ROLE] === FILE_WRITER_ROLE,
  );

const removeHelpers = async () => {
  for (const c of await helpers()) await removeContainer(host, c.id, { force: true });
};

beforeAll(() => removeTestObjects(host, TEST));
afterAll(async () => {
  await removeHelpers();
  await removeTestObjects(host, TEST);
});

describe('freshVolumeWriter', () => {
  it('writes the first pod alone and the ones that came meanwhile through one helper', async () => {
    const batches: FreshWriteBatch[] = [];
    const write = freshVolumeWriter(host, { installationId, onBatch: (b) => batches.push(b) });
    const pods = await Promise.all(Array.from({ length: 6 }, () => newPod()));

    await Promise.all(pods.map((p) => write(p)));

    expect(batches).toEqual([
      { how: 'direct', size: 1 },
      { how: 'helper', size: 5 },
    ]);
    for (const pod of pods) {
      const file = await readFile(host, pod.containerId, `${MOUNT}/open-webui/README.agentpod`);
      expect(file.toString()).toBe(`the data folder of ${pod.volume}\n`);
      // What the image shipped at the mount path was copied in when the container was made,
      // and is still there beside the written folder.
      const shipped = await readFile(
        host,
        pod.containerId,
        `${MOUNT}/cache/embedding/models/README`,
      );
      expect(shipped.toString()).toBe('a model the image downloaded at build time\n');
    }
    expect(await helpers()).toEqual([]);

    // Owners as the pod's user needs them; the volume's root left as the image had it.
    const last = pods[5] as FreshVolumeWrite;
    await startContainer(host, last.containerId);
    const stat = await execInContainer(host, last.containerId, [
      'stat',
      '-c',
      '%n %a %u:%g',
      MOUNT,
      `${MOUNT}/open-webui`,
      `${MOUNT}/open-webui/README.agentpod`,
    ]);
    expect(stat.stdout.trim().split('\n')).toEqual([
      `${MOUNT} 755 0:0`,
      `${MOUNT}/open-webui 755 1000:1000`,
      `${MOUNT}/open-webui/README.agentpod 644 1000:1000`,
    ]);
  });

  it("writes each pod alone when the helper fails, and fails only the pod that can't be written", async () => {
    const batches: FreshWriteBatch[] = [];
    const write = freshVolumeWriter(host, { installationId, onBatch: (b) => batches.push(b) });
    const [first, good1, good2] = await Promise.all([newPod(), newPod(), newPod()]);
    if (!first || !good1 || !good2) throw new Error('three pods expected');
    // Its container is gone and its image does not exist: the helper (made from the first
    // image of its batch) cannot be created, and neither can this pod's files be written.
    const broken: FreshVolumeWrite = {
      ...good1,
      containerId: testName('fresh-files-gone'),
      image: 'agentpod-test/no-such-image:never',
    };

    const results = await Promise.allSettled([first, broken, good1, good2].map((p) => write(p)));

    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(DockerNotFoundError);
    expect(batches).toMatchObject([
      { how: 'direct', size: 1 },
      { how: 'helper', size: 3, error: expect.anything() },
    ]);
    for (const pod of [first, good1, good2]) {
      const file = await readFile(host, pod.containerId, `${MOUNT}/open-webui/README.agentpod`);
      expect(file.toString()).toBe(`the data folder of ${pod.volume}\n`);
    }
    expect(await helpers()).toEqual([]);
  });
});
