// Images on one DockerHost: is it here, and pull it (with progress and the registry's reason
// when it fails). A pull may take minutes, so its deadline is "no progress for a while", not
// the host's per-call deadline, which covers only opening the stream.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ImagePullFailure, ImagePullProgress } from '@agentpod/shared';
import { ndjsonLines } from '@agentpod/shared';
import { DockerError, ignoreNotFound } from './errors.js';
import type { DockerHost } from './host.js';
import { pullTarget } from './image-ref.js';
import { classifyPullFailure, type PullMessage, PullProgressTracker } from './pull-progress.js';

export interface ImageView {
  id: string;
  repoTags: string[];
  repoDigests: string[];
}

/** Docker's auth config for one registry (sent base64 in X-Registry-Auth, never logged). */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** A pull that did not produce the image; `failure` is the registry's reason. */
export class ImagePullError extends DockerError {
  /** The daemon's (and so the registry's) own words. */
  readonly registryMessage: string;

  constructor(
    readonly ref: string,
    readonly failure: ImagePullFailure,
    message: string,
    options: { cause?: unknown; statusCode?: number } = {},
  ) {
    super('image.pull', `${ref}: ${message}`, { ...options, code: 'image_pull_failed' });
    this.registryMessage = message;
  }
}

export async function inspectImage(host: DockerHost, ref: string): Promise<ImageView | null> {
  const info = await ignoreNotFound(() =>
    host.call('image.inspect', (signal) =>
      // @types/dockerode declares inspect without options; dockerode 5 reads `abortSignal`.
      (host.docker.getImage(ref).inspect as (o: object) => Promise<ImageInspect>)({
        abortSignal: signal,
      }),
    ),
  );
  if (!info) return null;
  return { id: info.Id, repoTags: info.RepoTags ?? [], repoDigests: info.RepoDigests ?? [] };
}

interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
}

export interface PullOptions {
  auth?: RegistryAuth | undefined;
  onProgress?: (progress: ImagePullProgress) => void;
  /** Give up when the daemon reports nothing for this long. */
  idleTimeoutMs?: number;
}

/** Pulls `ref` (a tag or a digest reference); resolves once the daemon says it is complete. */
export async function pullImage(
  host: DockerHost,
  ref: string,
  { auth, onProgress, idleTimeoutMs = 120_000 }: PullOptions = {},
): Promise<void> {
  const target = pullTarget(ref);
  const stopped = new AbortController();
  let stream: Readable;
  try {
    stream = (await host.call('image.pull', (signal) =>
      host.docker.createImage({
        ...target,
        ...(auth ? { authconfig: auth } : {}),
        // The call's deadline covers opening; afterwards only our idle timer may end it.
        abortSignal: AbortSignal.any([signal, stopped.signal]),
      } as Parameters<typeof host.docker.createImage>[0]),
    )) as unknown as Readable;
  } catch (err) {
    const dockerErr = err as DockerError;
    const message = (dockerErr.message ?? String(err)).replace(/^image\.pull: /, '');
    // Unreachable Docker is not the registry's fault: let the typed error through as it is.
    if ((err as DockerError).code === 'docker_unavailable') throw err;
    if ((err as DockerError).code === 'docker_timeout') throw err;
    throw new ImagePullError(ref, classifyPullFailure(message), message, {
      cause: err,
      ...(dockerErr.statusCode !== undefined ? { statusCode: dockerErr.statusCode } : {}),
    });
  }

  const tracker = new PullProgressTracker();
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stopped.abort(), idleTimeoutMs);
  };
  armIdle();
  let failure: string | undefined;
  try {
    const body = Readable.toWeb(stream) as unknown as WebReadableStream<Uint8Array>;
    for await (const line of ndjsonLines(body as unknown as ReadableStream<Uint8Array>)) {
      armIdle();
      let message: PullMessage;
      try {
        message = JSON.parse(line) as PullMessage;
      } catch {
        continue; // not a progress line; the daemon only ever sends JSON objects here
      }
      failure = tracker.push(message) ?? failure;
      onProgress?.(tracker.progress);
    }
  } catch (err) {
    if (!stopped.signal.aborted) throw new ImagePullError(ref, 'unknown', String(err));
  } finally {
    clearTimeout(idle);
    stream.destroy();
  }
  if (stopped.signal.aborted) {
    const seconds = Math.round(idleTimeoutMs / 1000);
    throw new ImagePullError(ref, 'unreachable', `no progress from the registry for ${seconds} s`);
  }
  if (failure !== undefined) throw new ImagePullError(ref, classifyPullFailure(failure), failure);
}
