// Named volumes hold a pod's state (its home directory); they outlive the container, so they are
// created and removed on their own, never as a side effect of removing a container.
import type Dockerode from 'dockerode';
import { ignoreNotFound } from './errors.js';
import type { DockerHost } from './host.js';
import { labelFilter } from './labels.js';

export interface VolumeView {
  name: string;
  driver: string;
  labels: Record<string, string>;
  mountpoint: string;
  createdAt: Date | null;
}

/** Returns the volume called `name`, creating it when missing. */
export async function ensureVolume(
  host: DockerHost,
  { name, labels }: { name: string; labels: Record<string, string> },
): Promise<VolumeView> {
  const existing = await inspectVolume(host, name);
  if (existing) return existing;
  // Creating a volume whose name already exists returns the existing one, so a concurrent
  // create cannot fail or make a twin here.
  await host.call('volume.create', (signal) =>
    host.docker.createVolume({ Name: name, Labels: labels, abortSignal: signal }),
  );
  const created = await inspectVolume(host, name);
  if (!created) throw new Error(`volume ${name} vanished right after it was created`);
  return created;
}

/**
 * Creates the volume called `name` with one call, for a caller that has just seen it missing.
 * Docker answers a create of a name that exists with the existing volume: never a twin, never
 * an error.
 */
export async function createVolume(
  host: DockerHost,
  { name, labels }: { name: string; labels: Record<string, string> },
): Promise<void> {
  await host.call('volume.create', (signal) =>
    host.docker.createVolume({ Name: name, Labels: labels, abortSignal: signal }),
  );
}

export async function inspectVolume(host: DockerHost, name: string): Promise<VolumeView | null> {
  const info = await ignoreNotFound(() =>
    host.call(
      'volume.inspect',
      (signal) =>
        host.docker.getVolume(name).inspect({ abortSignal: signal }) as Promise<VolumeInfo>,
    ),
  );
  return info && toVolumeView(info);
}

/** 404 is "already gone"; a volume still mounted by a container throws DockerConflictError. */
export async function removeVolume(host: DockerHost, name: string): Promise<void> {
  await ignoreNotFound(() =>
    host.call('volume.remove', (signal) =>
      host.docker.getVolume(name).remove({ abortSignal: signal }),
    ),
  );
}

export async function listVolumes(
  host: DockerHost,
  labels: Record<string, string>,
): Promise<VolumeView[]> {
  const answer = await host.call('volume.list', (signal) =>
    host.docker.listVolumes({ filters: { label: labelFilter(labels) }, abortSignal: signal }),
  );
  // Docker sends `"Volumes": null`, not [], when nothing matches.
  return (answer.Volumes ?? []).map((v) => toVolumeView(v as VolumeInfo));
}

type VolumeInfo = Dockerode.VolumeInspectInfo & { CreatedAt?: string };

function toVolumeView(info: VolumeInfo): VolumeView {
  const created = info.CreatedAt ? new Date(info.CreatedAt) : null;
  return {
    name: info.Name,
    driver: info.Driver,
    labels: info.Labels ?? {},
    mountpoint: info.Mountpoint,
    createdAt: created && !Number.isNaN(created.getTime()) ? created : null,
  };
}
