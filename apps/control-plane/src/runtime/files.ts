// Putting configuration files into a pod before it starts: Docker's archive API accepts a tar and
// works on created-but-not-started containers, so an agent finds its config on first boot.
import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { createContainer, removeContainer } from './containers.js';
import { DockerError } from './errors.js';
import { type DockerHost, withSignal } from './host.js';
import { FILE_WRITER_ROLE, LABEL_MANAGED, LABEL_ROLE } from './labels.js';

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

/** Files for one directory of an archive: `prefix` is where they go, relative to its root. */
interface ArchiveGroup {
  prefix: string;
  files: PodFile[];
  /** An entry for the `prefix` directory itself, owned as given; absent, it is left as it is. */
  root?: DirectoryOwner;
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
  return packGroups([{ prefix: rootName ?? '', files, ...(rootName && root ? { root } : {}) }]);
}

async function packGroups(groups: ArchiveGroup[]): Promise<Buffer> {
  const mtime = new Date();
  const pack = tar.pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const group of groups) {
    const prefix = group.prefix ? `${group.prefix}/` : '';
    if (prefix && group.root) {
      pack.entry({ name: prefix, type: 'directory', mtime, ...group.root });
    }
    const dirs = new Set<string>();
    for (const file of group.files) {
      const path = relativePath(file.path);
      const owner = { uid: file.uid ?? 0, gid: file.gid ?? 0 };
      const parts = path.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (dirs.has(dir)) continue;
        dirs.add(dir);
        pack.entry({
          name: `${prefix}${dir}/`,
          type: 'directory',
          mode: DIR_MODE,
          mtime,
          ...owner,
        });
      }
      const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
      pack.entry(
        { name: `${prefix}${path}`, type: 'file', mode: file.mode, mtime, ...owner },
        content,
      );
    }
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
  /** Extra labels for the helper container (ownership, tests). */
  labels?: Record<string, string>;
  name?: string;
}

export interface VolumeWrite {
  volume: string;
  files: PodFile[];
  /**
   * Owner and mode of the volume's root directory, e.g. the agent user's home. Absent, the
   * root stays as it is: what Docker copied from the image when a container first mounted it.
   */
  root?: DirectoryOwner;
}

/** Where the helper mounts the i-th volume. */
const volumeMount = (i: number) => `/agentpod-volumes/${i}`;

/**
 * Writes files into named volumes, many at once, through one throwaway container that mounts
 * them all: one create, one archive and one removal, however many volumes (each archive call
 * costs the daemon a mount namespace of its own, which grows with the containers on the host).
 * The helper is labelled as ours (role `file-writer`) so the sweeper collects it should its
 * removal below ever fail.
 */
export async function writeFilesToVolumes(
  host: DockerHost,
  writes: VolumeWrite[],
  { helperImage, labels = {}, name }: VolumeWriteOptions,
): Promise<void> {
  if (writes.length === 0) return;
  const id = await createContainer(host, {
    name: name ?? `agentpod-file-writer-${randomUUID().slice(0, 8)}`,
    image: helperImage,
    // Never run, but Docker refuses to create a container that has no command at all.
    cmd: ['true'],
    env: {},
    labels: { [LABEL_MANAGED]: 'true', ...labels, [LABEL_ROLE]: FILE_WRITER_ROLE },
    network: { name: 'none' },
    mounts: writes.map((w, i) => ({ volume: w.volume, target: volumeMount(i) })),
  });
  try {
    // Extracting at / with entries under each mount lets the archive set the owner of a volume
    // root itself (a "." entry would be skipped by Docker).
    const archive = await packGroups(
      writes.map((w, i) => ({
        prefix: volumeMount(i).slice(1),
        files: w.files,
        ...(w.root ? { root: w.root } : {}),
      })),
    );
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
