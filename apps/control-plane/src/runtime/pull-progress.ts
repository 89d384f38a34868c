// Reading `docker pull`'s progress stream: how far it has come, and why it failed. Pure, so the
// daemon's message shapes are pinned down by unit tests with real captured lines.
import type { ImagePullFailure, ImagePullProgress } from '@agentpod/shared';

/** One line of the daemon's pull stream (POST /images/create). */
export interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

interface LayerState {
  total: number;
  downloaded: number;
  done: boolean;
}

/** Folds pull messages into layer and byte counts. */
export class PullProgressTracker {
  private readonly layers = new Map<string, LayerState>();

  /** Returns the error text when the message is the daemon reporting a failure. */
  push(message: PullMessage): string | undefined {
    if (message.error || message.errorDetail?.message) {
      return message.errorDetail?.message ?? message.error;
    }
    const { id, status = '' } = message;
    // "Pulling from library/caddy" carries the tag as its id; "Digest:"/"Status:" carry none.
    if (!id || status.startsWith('Pulling from')) return undefined;
    const layer = this.layers.get(id) ?? { total: 0, downloaded: 0, done: false };
    this.layers.set(id, layer);
    const detail = message.progressDetail ?? {};
    if (status === 'Downloading') {
      layer.total = detail.total ?? layer.total;
      layer.downloaded = detail.current ?? layer.downloaded;
    } else if (status === 'Download complete' || status === 'Verifying Checksum') {
      layer.downloaded = layer.total;
    } else if (status === 'Pull complete' || status === 'Already exists') {
      layer.downloaded = layer.total;
      layer.done = true;
    }
    return undefined;
  }

  get progress(): ImagePullProgress {
    let bytes = 0;
    let bytesDone = 0;
    let layersDone = 0;
    for (const layer of this.layers.values()) {
      bytes += layer.total;
      bytesDone += Math.min(layer.downloaded, layer.total);
      if (layer.done) layersDone++;
    }
    return { layers: this.layers.size, layersDone, bytes, bytesDone };
  }
}

const UNREACHABLE = [
  /dial tcp/i,
  /connection refused/i,
  /no such host/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /network is unreachable/i,
  /no route to host/i,
  /connection reset/i,
  /context deadline exceeded/i,
  /Client\.Timeout/i,
  /request canceled/i,
  /no progress from the registry/i,
];
const UNAUTHORIZED = [
  /unauthorized/i,
  /authentication required/i,
  /no basic auth credentials/i,
  /incorrect username or password/i,
  /access forbidden/i,
];
// Docker Hub answers a missing repository and a private one without credentials alike ("pull
// access denied ... does not exist or may require 'docker login'"): both are "not found" here,
// and the message, which says so, goes with it.
const NOT_FOUND = [
  /manifest unknown/i,
  /not found/i,
  /does not exist/i,
  /name unknown/i,
  /repository name not known/i,
];

/** Classifies the registry's reason for a failed pull from the daemon's message. */
export function classifyPullFailure(message: string): ImagePullFailure {
  if (UNREACHABLE.some((re) => re.test(message))) return 'unreachable';
  if (NOT_FOUND.some((re) => re.test(message))) return 'not_found';
  if (UNAUTHORIZED.some((re) => re.test(message))) return 'unauthorized';
  return 'unknown';
}
