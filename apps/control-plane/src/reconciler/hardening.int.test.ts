// Container hardening on the real stack: a control plane in this process (PostgreSQL, the real
// Docker daemon) creates a stand-in agent pod through its reconciler, and the container Docker
// made is inspected for every protection; then the pod's state volume is filled past a tiny
// alert threshold and emptied again.
import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../e2e/testing.js';
import { createLogger } from '../logger.js';
import { execInContainer, LABEL_POD_ID } from '../runtime/index.js';
import { eventually, removeTestObjects, testHost, testImage } from '../runtime/testing.js';
import { VolumeUsageMonitor } from '../stats/volume-usage.js';
import { containerName } from './names.js';

const MiB = 1024 * 1024;
let cp: InProcessControlPlane;
const podIds: string[] = [];
let pod: PodWithStatus;
let containerId: string;

beforeAll(async () => {
  cp = await InProcessControlPlane.startFresh({
    AGENTPOD_BASE_DOMAIN: 'hardening.test',
    AGENTPOD_POD_SUBNET_POOL: '10.228.0.0/16',
    // The OpenClaw adapter (read-only root, tmpfs) with the stand-in image: fast to start.
    AGENTPOD_IMAGE_OPENCLAW: testImage('STANDIN'),
    AGENTPOD_LOG_MAX_SIZE: '5m',
    AGENTPOD_LOG_MAX_FILES: '2',
    AGENTPOD_STATS_INTERVAL_MS: '1000',
    AGENTPOD_VOLUME_CHECK_INTERVAL_MS: '1000',
    AGENTPOD_VOLUME_ALERT_MB: '2',
  });
  const tenant = await cp.api<{ id: string }>('POST', '/tenants', { name: 'hardening' });
  const created = await cp.api<PodWithStatus>('POST', '/pods', {
    tenantId: tenant.body.id,
    subdomain: 'hardening',
    resources: { memoryMb: 192, cpus: 0.5, pidsLimit: 64 },
  });
  expect(created.status).toBe(201);
  pod = created.body;
  podIds.push(pod.id);
  const running = await eventually(
    'the stand-in pod running',
    async () => {
      const { body } = await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`);
      return body.status.phase === 'running' && body.status.containerId ? body : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  containerId = running.status.containerId ?? '';
});

afterAll(async () => {
  await cp?.close();
  const docker = testHost();
  for (const id of podIds) await removeTestObjects(docker, { [LABEL_POD_ID]: id });
});

const inPod = (cmd: string) => execInContainer(testHost(), containerId, ['sh', '-c', cmd]);

describe("a pod's container", () => {
  it('has no capabilities, no privilege escalation, its limits, a non-root user and no Docker socket', async () => {
    const raw = await testHost().docker.getContainer(containerName(pod.id)).inspect();
    expect(raw.HostConfig.CapDrop).toContain('ALL');
    expect(raw.HostConfig.CapAdd ?? []).toEqual([]);
    expect(raw.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(raw.HostConfig.PidsLimit).toBe(64);
    expect(raw.HostConfig.Memory).toBe(192 * MiB);
    expect(raw.HostConfig.NanoCpus).toBe(0.5e9);
    expect(raw.HostConfig.Privileged).toBe(false);
    expect(raw.Config.User).toMatch(/^[1-9][0-9]*:[0-9]+$/);
    expect((await inPod('id -u')).stdout.trim()).not.toBe('0');
    const sources = raw.Mounts.map((m) => `${m.Source ?? ''} ${m.Destination}`).join('\n');
    expect(sources).not.toContain('docker.sock');
    expect(raw.Mounts.filter((m) => m.Type === 'bind')).toEqual([]);
  });

  it('rotates its json-file log as configured, and its logs still stream', async () => {
    const raw = await testHost().docker.getContainer(containerName(pod.id)).inspect();
    expect(raw.HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '5m', 'max-file': '2' },
    });
    const logs = await cp.api<{ lines: unknown[] }>('GET', `/pods/${pod.id}/logs`);
    expect(logs.status).toBe(200);
    expect(JSON.stringify(logs.body.lines)).toContain('stand-in agent answering on 18789');
  });

  it('runs on a read-only root with size-limited, noexec tmpfs where the adapter allows it', async () => {
    const raw = await testHost().docker.getContainer(containerName(pod.id)).inspect();
    expect(raw.HostConfig.ReadonlyRootfs).toBe(true);
    expect(Object.keys(raw.HostConfig.Tmpfs ?? {}).sort()).toEqual(['/home/node', '/tmp']);
    for (const options of Object.values(raw.HostConfig.Tmpfs ?? {})) {
      expect(options).toMatch(/(^|,)noexec(,|$)/);
      expect(options).toMatch(/(^|,)size=\d+(,|$)/);
    }
    // What Docker made of it, seen from inside: the root refuses writes, the scratch paths and
    // the state volume take them.
    const root = await inPod('touch /hardening-probe 2>&1; echo rc=$?');
    expect(root.stdout).toMatch(/Read-only file system[\s\S]*rc=1/);
    const scratch = await inPod(
      'touch /tmp/p && touch /home/node/p && touch /home/node/.openclaw/p && echo ok',
    );
    expect(scratch.stdout.trim()).toBe('ok');
    // noexec holds: a program copied to scratch space does not run.
    const copied = await inPod(
      'cp "$(readlink -f /bin/sh)" /tmp/copied && /tmp/copied -c true; echo rc=$?',
    );
    expect(copied.stdout).toContain('rc=126');
    expect(copied.stderr).toMatch(/[Pp]ermission denied/);
    await inPod('rm -f /home/node/.openclaw/p');
  });
});

describe("the state volume's disk usage", () => {
  async function status() {
    return (await cp.api<PodWithStatus>('GET', `/pods/${pod.id}`)).body.status;
  }
  async function diskEvents() {
    return (
      await cp.api<{ items: PodEvent[] }>('GET', `/pods/${pod.id}/events?reason=DiskUsageHigh`)
    ).body.items;
  }

  it('is measured into the status, warns once past the threshold, and clears when freed', async () => {
    const measured = await eventually(
      'a first volume measurement',
      async () => (await status()).usage?.volume,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(measured.high).toBe(false);
    expect(measured.bytes).toBeLessThan(2 * MiB);
    expect(await diskEvents()).toEqual([]);

    await inPod('dd if=/dev/zero of=/home/node/.openclaw/fill bs=1048576 count=3 2>/dev/null');
    const high = await eventually(
      'the volume over its 2 MiB alert',
      async () => {
        const volume = (await status()).usage?.volume;
        return volume?.high ? volume : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(high.bytes).toBeGreaterThanOrEqual(3 * MiB);
    // Walked here (Docker is local); `du` in the pod, as for a daemon elsewhere, agrees.
    const viaDu = new VolumeUsageMonitor(cp.server.context.db.db, cp.server.context.docker, {
      intervalMs: 60_000,
      alertBytes: 2 * MiB,
      installationId: cp.server.context.installationId,
      concurrency: 1,
      timeoutSeconds: 30,
      logger: createLogger('silent'),
      local: false,
    });
    expect(await viaDu.measure()).toBe(1);
    const measuredInPod = (await status()).usage?.volume?.bytes ?? 0;
    expect(Math.abs(measuredInPod - high.bytes)).toBeLessThan(256 * 1024);
    const raised = await eventually('a DiskUsageHigh event', async () => {
      const events = await diskEvents();
      return events.length > 0 ? events : undefined;
    });
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ type: 'warning', reason: 'DiskUsageHigh' });
    expect(raised[0]?.message).toContain('2 MiB');
    // A stats pass rewrites the usage: the volume's figure and its alert state survive it.
    await cp.services.stats.collect();
    expect((await status()).usage?.volume).toMatchObject({ high: true });
    // Further passes while it stays high add no event (run here rather than waited for).
    await cp.services.volumeUsage.measure();
    await cp.services.volumeUsage.measure();
    expect(await diskEvents()).toHaveLength(1);

    await inPod('rm -f /home/node/.openclaw/fill');
    const cleared = await eventually(
      'the alert cleared',
      async () => {
        const volume = (await status()).usage?.volume;
        return volume && !volume.high ? volume : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(cleared.bytes).toBeLessThan(2 * MiB * 0.9);
    expect(await diskEvents()).toHaveLength(1);
  });
});
