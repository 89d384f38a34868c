// Images on the real stack: a control plane (in-process, on PostgreSQL and the real Docker
// daemon) pulls pod images from real registries (Docker's distribution registry, one open and
// one behind htpasswd auth, started by scripts/test-env.sh), pins them by digest, and reports a
// failed pull with the registry's reason, backing off instead of retrying hot.
import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../e2e/testing.js';
import {
  type DockerHost,
  findContainerByName,
  inspectImage,
  LABEL_IMAGE_PIN,
  LABEL_POD_ID,
} from '../runtime/index.js';
import {
  eventually,
  pushTestImage,
  removeImageTag,
  removeTestObjects,
  testHost,
  testImage,
  testRegistry,
} from '../runtime/testing.js';
import { containerName } from './names.js';

let docker: DockerHost;
let cp: InProcessControlPlane;
let tenantId = '';
const podIds: string[] = [];
const pulledRefs: string[] = [];

const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  cp.api<T>(method, path, body);

async function createPod(subdomain: string, image: string): Promise<PodWithStatus> {
  const { status, body } = await api<PodWithStatus>('POST', '/pods', {
    tenantId,
    subdomain,
    image,
  });
  expect(status, JSON.stringify(body)).toBe(201);
  podIds.push(body.id);
  pulledRefs.push(image);
  return body;
}

async function waitForPod(id: string, what: string, ok: (p: PodWithStatus) => boolean) {
  let last: PodWithStatus | undefined;
  try {
    return await eventually(
      what,
      async () => {
        last = (await api<PodWithStatus>('GET', `/pods/${id}`)).body;
        return ok(last) ? last : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (err) {
    const events = await reasons(id);
    throw new Error(
      `${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}\nevents: ${events.join(', ')}`,
    );
  }
}

async function events(id: string): Promise<PodEvent[]> {
  const { body } = await api<{ items: PodEvent[] }>('GET', `/pods/${id}/events?limit=200`);
  return body.items.reverse();
}

async function reasons(id: string): Promise<string[]> {
  return (await events(id)).map((e) => e.reason);
}

beforeAll(async () => {
  docker = testHost();
  cp = await InProcessControlPlane.startFresh({
    AGENTPOD_BASE_DOMAIN: 'images.test',
    AGENTPOD_POD_SUBNET_POOL: '10.221.0.0/16',
    // Short, so that backing off and giving up happen within a test; the default is 10 s.
    AGENTPOD_PULL_BACKOFF_MS: '300',
  });
  const tenant = await api<{ id: string }>('POST', '/tenants', { name: 'images' });
  tenantId = tenant.body.id;
});

afterAll(async () => {
  await cp?.close();
  for (const id of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: id });
  for (const ref of pulledRefs) await removeImageTag(docker, ref);
});

describe('pod images from real registries', () => {
  it('pulls a missing image with progress events, pins it by digest and creates the container from the pin', async () => {
    const ref = await pushTestImage(docker, testImage('STANDIN'), testRegistry('open'), 'standin');
    expect(await inspectImage(docker, ref)).toBeNull();
    const pod = await createPod('pulled', ref);
    const running = await waitForPod(
      pod.id,
      'the pod running',
      (p) => p.status.phase === 'running',
    );

    const pinned = running.status.image.pinned ?? '';
    expect(running.status.image.ref).toBe(ref);
    expect(pinned).toMatch(new RegExp(`^${ref.split(':')[0]}:?[^@]*@sha256:[0-9a-f]{64}$`));
    expect(running.status.image.pull).toBeNull();
    const log = await events(pod.id);
    expect(log.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['ImagePulling', 'ImagePulled', 'Created', 'Started']),
    );
    expect(log.findIndex((e) => e.reason === 'ImagePulled')).toBeLessThan(
      log.findIndex((e) => e.reason === 'Created'),
    );
    expect(log.find((e) => e.reason === 'ImagePulled')?.message).toContain(`pinned to ${pinned}`);
    const container = await findContainerByName(docker, containerName(pod.id));
    expect(container?.image).toBe(pinned);
    expect(container?.labels[LABEL_IMAGE_PIN]).toBe(pinned);
  });

  it('keeps running the pinned image when the tag moves: a recreate does not pick up the new one', async () => {
    const [podId] = podIds;
    const before = await findContainerByName(docker, containerName(podId as string));
    const ref = pulledRefs[0] as string;
    // Someone moves the tag on this host to a different image.
    const [repo, tag] = [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
    await docker.docker.getImage(testImage('ECHO')).tag({ repo, tag });
    expect((await inspectImage(docker, ref))?.id).not.toBe(before?.imageId);

    const patched = await api<PodWithStatus>('PATCH', `/pods/${podId}`, {
      config: { extraEnv: { NOTE: 'recreate me' } },
    });
    expect(patched.status).toBe(200);
    await waitForPod(
      podId as string,
      'the pod recreated',
      (p) =>
        p.status.observedGeneration === patched.body.generation &&
        p.status.phase === 'running' &&
        p.status.containerId !== before?.id,
    );
    const after = await findContainerByName(docker, containerName(podId as string));
    expect(after?.id).not.toBe(before?.id);
    expect(after?.imageId).toBe(before?.imageId);
  });

  it('ends a wrong image name in ImagePullFailed with the registry reason and gives up after three attempts', async () => {
    const ref = `${testRegistry('open').host}/aptest/does-not-exist:1`;
    const pod = await createPod('missing', ref);
    const failed = await waitForPod(
      pod.id,
      'the pull to give up',
      (p) => p.status.image.pull?.state === 'failed',
    );
    expect(failed.status.phase).toBe('failed');
    expect(failed.status.image.pull).toMatchObject({ reason: 'not_found', attempts: 3 });
    expect(failed.status.lastError).toMatch(/not_found/);
    const failures = (await events(pod.id)).filter((e) => e.reason === 'ImagePullFailed');
    expect(failures).toHaveLength(3);
    expect(failures.every((e) => e.type === 'warning')).toBe(true);
    expect(failures[2]?.message).toMatch(/manifest unknown|not found/);
    expect(failures[2]?.message).toMatch(/giving up after 3 attempts/);

    // Resyncs do not try again: only a change to the pod does.
    await cp.services.reconciler.resync();
    await cp.services.reconciler.idle();
    const later = (await api<PodWithStatus>('GET', `/pods/${pod.id}`)).body;
    expect(later.status.image.pull?.attempts).toBe(3);
    expect((await reasons(pod.id)).filter((r) => r === 'ImagePullFailed')).toHaveLength(3);
    expect(await findContainerByName(docker, containerName(pod.id))).toBeNull();
  });

  it('says unauthorized for a private registry until its credentials are stored, then pulls', async () => {
    const registry = testRegistry('private');
    const ref = await pushTestImage(docker, testImage('STANDIN'), registry, 'private-standin');
    const pod = await createPod('private', ref);
    const refused = await waitForPod(
      pod.id,
      'an unauthorized pull',
      (p) => p.status.image.pull?.reason === 'unauthorized',
    );
    expect(refused.status.phase).not.toBe('running');

    const failures = async () =>
      (await events(pod.id)).filter((e) => e.reason === 'ImagePullFailed').length;
    const before = await failures();
    const wrong = await api('PUT', `/registries/${registry.host}`, {
      username: registry.auth?.username,
      password: 'not-the-password',
    });
    expect(wrong.status).toBe(200);
    expect(JSON.stringify(wrong.body)).not.toContain('not-the-password');
    // New credentials make a pull that gave up due again at once; this one is refused too.
    await eventually('another refused pull', async () =>
      (await failures()) > before ? true : undefined,
    );
    const stillRefused = (await api<PodWithStatus>('GET', `/pods/${pod.id}`)).body;
    expect(stillRefused.status.image.pull?.reason).toBe('unauthorized');
    expect(stillRefused.status.phase).not.toBe('running');

    const right = await api('PUT', `/registries/${registry.host}`, {
      username: registry.auth?.username,
      password: registry.auth?.password,
    });
    expect(right.status).toBe(200);
    await waitForPod(pod.id, 'the private pod running', (p) => p.status.phase === 'running');
    const listed = await api<{ items: { registry: string; username: string }[] }>(
      'GET',
      '/registries',
    );
    expect(listed.body.items).toEqual([
      expect.objectContaining({ registry: registry.host, username: registry.auth?.username }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(registry.auth?.password);
  });

  it('keeps trying a registry it cannot reach, with growing delays, and never gives up', async () => {
    // Nothing listens on port 1.
    const pod = await createPod('unreachable', '127.0.0.1:1/aptest/standin:1');
    const retrying = await waitForPod(
      pod.id,
      'several failed attempts',
      (p) => (p.status.image.pull?.attempts ?? 0) >= 4,
    );
    expect(retrying.status.image.pull).toMatchObject({ reason: 'unreachable', state: 'backoff' });
    const failures = (await events(pod.id)).filter((e) => e.reason === 'ImagePullFailed');
    const delays = failures.map((e) => Number(/again in (\d+) s/.exec(e.message)?.[1]));
    expect(delays.every((d) => d >= 1)).toBe(true);
    expect(retrying.status.image.pull?.message).toMatch(/connection refused|dial tcp/);
  });

  it('refuses an image reference Docker would refuse, before anything is written', async () => {
    const bad = await api<{ code: string }>('POST', '/pods', {
      tenantId,
      subdomain: 'bad-image',
      image: 'Not An/Image',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  });
});
