// Putting configuration files into a pod before it starts: Docker's archive API accepts a tar and
// works on created-but-not-started containers, so an agent finds its config on first boot.
import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { createContainer, removeContainer } from './containers.js';
import { DockerError } from './errors.js';
import { type DockerHost, withSignal } from './host.js';
import { LABEL_MANAGED } from './labels.js';

export interface PodFile {
  /** Relative to the target directory; parent directories are created. */
  path: string;
  content: string | Buffer;
  mode: number;
  uid?: number;
  gid?: number;
}

export interface DirectoryOwner {
  mode: number;
  uid: number;
  gid: number;
}

const DIR_MODE = 0o755;

function relativePath(path: string): string {
  const clean = posix.normalize(path).replace(/^(\.\/)+/, '');
  if (clean.startsWith('/') || clean === '..' || clean.startsWith('../') || clean === '.') {
    throw new Error(`file path must stay inside the target directory: ${path}`);
  }
  return clean;
}

/**
 * An in-memory tar of `files`, with an entry for every parent directory (owned like the first
 * file under it) so nested paths extract with the right owner instead of root. `root`, when
 * given, is an entry for the top directory `rootName` itself.
 */
export async function buildArchive(
  files: PodFile[],
  { rootName, root }: { rootName?: string; root?: DirectoryOwner } = {},
): Promise<Buffer> {
  const prefix = rootName ? `${rootName}/` : '';
  const mtime = new Date();
  const pack = tar.pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  if (rootName && root) {
    pack.entry({ name: prefix, type: 'directory', mtime, ...root });
  }
  const dirs = new Set<string>();
  for (const file of files) {
    const path = relativePath(file.path);
    const owner = { uid: file.uid ?? 0, gid: file.gid ?? 0 };
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      pack.entry({ name: `${prefix}${dir}/`, type: 'directory', mode: DIR_MODE, mtime, ...owner });
    }
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    pack.entry(
      { name: `${prefix}${path}`, type: 'file', mode: file.mode, mtime, ...owner },
      content,
    );
  }
  pack.finalize();
  return collected;
}

/** Writes `files` under `dir` (which must exist in the container). */
export async function writeFiles(
  host: DockerHost,
  containerId: string,
  dir: string,
  files: PodFile[],
): Promise<void> {
  await putArchive(host, containerId, dir, await buildArchive(files));
}

async function putArchive(host: DockerHost, containerId: string, dir: string, archive: Buffer) {
  await host.call('container.putArchive', (signal) =>
    host.docker.getContainer(containerId).putArchive(archive, withSignal({ path: dir }, signal)),
  );
}

export interface VolumeWriteOptions {
  /** Any image with a filesystem; the helper container is created, never started. */
  helperImage: string;
  /** Owner and mode of the volume's root directory, e.g. the agent user's home. */
  root?: DirectoryOwner;
  /** Extra labels for the helper container (ownership, tests). */
  labels?: Record<string, string>;
  name?: string;
}

const VOLUME_MOUNT = '/data';

/**
 * Writes files into a named volume through a throwaway container that mounts it. The helper
 * is labelled as ours so the sweeper collects it should removal below ever fail.
 */
export async function writeFilesToVolume(
  host: DockerHost,
  volumeName: string,
  files: PodFile[],
  { helperImage, root, labels = {}, name }: VolumeWriteOptions,
): Promise<void> {
  const id = await createContainer(host, {
    name: name ?? `agentpod-volume-writer-${randomUUID().slice(0, 8)}`,
    image: helperImage,
    // Never run, but Docker refuses to create a container that has no command at all.
    cmd: ['true'],
    env: {},
    labels: { [LABEL_MANAGED]: 'true', ...labels },
    mounts: [{ volume: volumeName, target: VOLUME_MOUNT }],
  });
  try {
    // Extracting at / with entries under data/ lets the archive set the owner of the volume
    // root itself (a "." entry would be skipped by Docker).
    const archive = await buildArchive(files, {
      rootName: VOLUME_MOUNT.slice(1),
      ...(root ? { root } : {}),
    });
    await putArchive(host, id, '/', archive);
  } catch (err) {
    // The write failure is the one to report; should cleanup fail too, the helper's label lets
    // the sweeper collect it.
    await removeContainer(host, id, { force: true }).catch(() => undefined);
    throw err;
  }
  await removeContainer(host, id, { force: true });
}

/** The content of one regular file in the container (created or running). */
export async function readFile(
  host: DockerHost,
  containerId: string,
  path: string,
): Promise<Buffer> {
  return host.call('container.getArchive', async (signal) => {
    const stream = (await host.docker
      .getContainer(containerId)
      .getArchive(withSignal({ path }, signal))) as unknown as Readable;
    const extract = tar.extract();
    stream.pipe(extract);
    for await (const entry of extract) {
      if (entry.header.type !== 'file') {
        entry.resume();
        throw new DockerError('container.getArchive', `${path} is not a regular file`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      stream.destroy();
      return Buffer.concat(chunks);
    }
    throw new DockerError('container.getArchive', `empty archive for ${path}`);
  });
}
