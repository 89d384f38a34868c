// Writing a new pod's files into its fresh state volume, many pods in one Docker call.
//
// A write through Docker's archive API costs the daemon a mount namespace of its own, and that
// cost grows with the containers on the host (260 ms of CPU per write beside 1,000 running
// containers, docs/performance.md): at 1,000 new pods it was the largest thing AgentPod asked
// of Docker beyond the raw `docker run`. Writes to fresh volumes need no read first, so they can
// share one call: while one write is in flight, the next ones wait and then go together through
// one helper container that mounts all their volumes (files.ts: writeFilesToVolumes). A pod
// created alone is written at once into its own container, as before: no helper, no wait.
import {
  type DockerHost,
  LABEL_INSTALLATION,
  type PodFile,
  writeFiles,
  writeFilesToVolumes,
} from '../runtime/index.js';

export interface FreshVolumeWrite {
  /** The pod's created (not started) container, which mounts the volume at `mountPath`. */
  containerId: string;
  mountPath: string;
  volume: string;
  /** The image the container was created from: present on the host, so a helper can use it. */
  image: string;
  files: PodFile[];
}

/** How one turn of the lane went: `direct` into the pod's own container, or a `helper`. */
export interface FreshWriteBatch {
  how: 'direct' | 'helper';
  size: number;
  /** A helper's failure, after which each write of the batch was tried alone. */
  error?: unknown;
}

export type FreshVolumeWriter = (write: FreshVolumeWrite) => Promise<void>;

export interface FreshVolumeWriterOptions {
  installationId: string;
  /** Volumes one helper mounts at most. */
  maxBatch?: number;
  onBatch?: (batch: FreshWriteBatch) => void;
}

interface Waiting {
  write: FreshVolumeWrite;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** One lane per process: writes that arrive while it is busy go together in its next turn. */
export function freshVolumeWriter(
  docker: DockerHost,
  { installationId, maxBatch = 32, onBatch }: FreshVolumeWriterOptions,
): FreshVolumeWriter {
  const waiting: Waiting[] = [];
  let busy = false;

  const alone = async (w: Waiting) => {
    try {
      await writeFiles(docker, w.write.containerId, w.write.mountPath, w.write.files);
      w.resolve();
    } catch (err) {
      w.reject(err);
    }
  };

  const turn = async (batch: Waiting[]) => {
    if (batch.length === 1) {
      await alone(batch[0] as Waiting);
      onBatch?.({ how: 'direct', size: 1 });
      return;
    }
    try {
      await writeFilesToVolumes(
        docker,
        batch.map(({ write }) => ({ volume: write.volume, files: write.files })),
        {
          helperImage: (batch[0] as Waiting).write.image,
          labels: { [LABEL_INSTALLATION]: installationId },
        },
      );
    } catch (error) {
      // One volume gone or one image removed must not fail the others' writes: each alone.
      for (const w of batch) await alone(w);
      onBatch?.({ how: 'helper', size: batch.length, error });
      return;
    }
    for (const w of batch) w.resolve();
    onBatch?.({ how: 'helper', size: batch.length });
  };

  const drain = async () => {
    busy = true;
    try {
      while (waiting.length > 0) await turn(waiting.splice(0, maxBatch));
    } finally {
      busy = false;
    }
  };

  return (write) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ write, resolve, reject });
      if (!busy) void drain();
    });
}
