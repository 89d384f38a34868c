// Writing a new pod's files into its fresh state volume, many pods in one Docker call.
//
// A write through Docker's archive API costs the daemon a mount namespace of its own, and that
// cost grows with the containers on the host (260 ms of CPU per write beside 1,000 running
// containers, docs/performance.md): at 1,000 new pods it was the largest thing AgentPod asked
// of Docker beyond the raw `docker run`. Writes to fresh volumes need no read first, so they can
// share one call through one helper container that mounts all their volumes (files.ts:
// writeFilesToVolumes).
//
// When they share one is group commit, as PostgreSQL's commit_delay with commit_siblings: a
// reconcile takes a ticket as soon as it has made a pod's fresh volume, and a write waits, at
// most LINGER_MS, while other pods holding tickets are on their way (their containers being
// created); writes that come while one is in flight go in the next turn. During a burst of new
// pods that makes batches of several where most writes went alone before (writes came about
// once a second, each over before the next arrived). A pod created alone holds the only ticket
// and is written at once into its own container: no helper, no wait.
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

/** A pod's place in the lane, taken when its fresh volume is made. */
export interface FreshWriteTicket {
  /** Writes the pod's files (once); resolves when they are in its volume. */
  write(write: FreshVolumeWrite): Promise<void>;
  /** This pod's files will not come after all (its reconcile failed); no-op after `write`. */
  cancel(): void;
}

export interface FreshVolumeWriter {
  /** A pod's fresh volume was just made: its files come through the ticket, soon. */
  expect(): FreshWriteTicket;
}

export interface FreshVolumeWriterOptions {
  installationId: string;
  /** Volumes one helper mounts at most. */
  maxBatch?: number;
  /** How long a write waits at most for the other pods on their way. */
  lingerMs?: number;
  onBatch?: (batch: FreshWriteBatch) => void;
}

/**
 * Two seconds: in a burst the control plane makes a pod about every second on two cores, so a
 * batch gathers two or three pods more, and each pod of the burst is about 20 s from its POST to
 * running (16 at once), which a second or two more does not change much.
 */
export const LINGER_MS = 2_000;

/** The Docker side of the lane: a write into one pod's own container, or a helper for many. */
export interface FreshWriteCalls {
  alone(write: FreshVolumeWrite): Promise<void>;
  together(writes: FreshVolumeWrite[]): Promise<void>;
}

/** One lane per process: writes that arrive while it is busy or lingering go together. */
export function freshVolumeWriter(
  docker: DockerHost,
  { installationId, ...options }: FreshVolumeWriterOptions,
): FreshVolumeWriter {
  return freshWriteLane(
    {
      alone: (w) => writeFiles(docker, w.containerId, w.mountPath, w.files),
      together: (writes) =>
        writeFilesToVolumes(
          docker,
          writes.map((w) => ({ volume: w.volume, files: w.files })),
          {
            helperImage: (writes[0] as FreshVolumeWrite).image,
            labels: { [LABEL_INSTALLATION]: installationId },
          },
        ),
    },
    options,
  );
}

interface Waiting {
  write: FreshVolumeWrite;
  /** When it came (performance.now()): no write waits longer than lingerMs for others. */
  since: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The lane's scheduling, apart from Docker (unit-tested with calls that only record). */
export function freshWriteLane(
  calls: FreshWriteCalls,
  {
    maxBatch = 32,
    lingerMs = LINGER_MS,
    onBatch,
  }: Omit<FreshVolumeWriterOptions, 'installationId'> = {},
): FreshVolumeWriter {
  const waiting: Waiting[] = [];
  /** Tickets neither written nor cancelled: pods whose files are on their way. */
  let onTheWay = 0;
  let busy = false;
  let linger: NodeJS.Timeout | undefined;

  /** A write alone into its pod's own container: how it went, the error kept, not thrown. */
  const alone = async (w: Waiting): Promise<{ error: unknown } | null> => {
    try {
      await calls.alone(w.write);
      return null;
    } catch (error) {
      return { error };
    }
  };

  const turn = async (batch: Waiting[]) => {
    let failed: ({ error: unknown } | null)[];
    let report: FreshWriteBatch;
    if (batch.length === 1) {
      failed = [await alone(batch[0] as Waiting)];
      report = { how: 'direct', size: 1 };
    } else {
      try {
        await calls.together(batch.map((w) => w.write));
        failed = batch.map(() => null);
        report = { how: 'helper', size: batch.length };
      } catch (error) {
        // One volume gone or one image removed must not fail the others' writes: each alone.
        failed = [];
        for (const w of batch) failed.push(await alone(w));
        report = { how: 'helper', size: batch.length, error };
      }
    }
    // Said before the writers hear: whoever waits on a write finds its batch reported.
    onBatch?.(report);
    batch.forEach((w, i) => {
      const f = failed[i];
      if (f) w.reject(f.error);
      else w.resolve();
    });
  };

  const go = () => {
    clearTimeout(linger);
    linger = undefined;
    if (busy || waiting.length === 0) return;
    busy = true;
    void turn(waiting.splice(0, maxBatch)).finally(() => {
      busy = false;
      next();
    });
  };

  /** Writes now, or waits for the pods on their way until the batch is full or time is up. */
  const next = () => {
    if (busy || waiting.length === 0) return;
    const left = (waiting[0] as Waiting).since + lingerMs - performance.now();
    if (onTheWay > 0 && waiting.length < maxBatch && left > 0) {
      linger ??= setTimeout(go, left);
      return;
    }
    go();
  };

  return {
    expect() {
      onTheWay++;
      let open = true;
      const arrive = () => {
        if (!open) return false;
        open = false;
        onTheWay--;
        return true;
      };
      return {
        write: (write) =>
          new Promise<void>((resolve, reject) => {
            if (!arrive()) {
              reject(new Error('a fresh-volume ticket writes once'));
              return;
            }
            waiting.push({ write, since: performance.now(), resolve, reject });
            next();
          }),
        cancel: () => {
          if (arrive()) next();
        },
      };
    },
  };
}
