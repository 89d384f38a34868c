// The live feed of GET /api/v1/watch (a WebSocket): what the control plane pushes, and what a
// client may ask of it. Events may repeat after a reconnect (the catch-up overlaps a little, so
// that none is lost): clients dedupe by event id.
import { z } from 'zod';
import { LogLine } from './api.js';
import { PodId } from './ids.js';
import { PodEvent, PodWithStatus } from './pod.js';

export const WatchMessage = z.discriminatedUnion('type', [
  /** First: every pod not yet deleted. */
  z.object({ type: z.literal('hello'), pods: z.array(PodWithStatus) }),
  /** The events since `after` (catch-up), then each new one. */
  z.object({ type: z.literal('event'), event: PodEvent }),
  /** The catch-up is done; what follows is live. */
  z.object({ type: z.literal('synced') }),
  /** A pod changed: desired state, status or usage (a deleted one has phase `deleted`). */
  z.object({ type: z.literal('pod'), pod: PodWithStatus }),
  /** A line of a subscribed pod's log. */
  z.object({ type: z.literal('log'), podId: PodId, line: LogLine }),
  /** A command could not be done (the connection stays open). */
  z.object({ type: z.literal('error'), code: z.string(), detail: z.string() }),
]);
export type WatchMessage = z.infer<typeof WatchMessage>;

export const WatchCommand = z.discriminatedUnion('type', [
  /** Follow a pod's log, starting `tail` lines back (default 100). */
  z.strictObject({
    type: z.literal('logs'),
    podId: PodId,
    tail: z.int().min(0).max(10_000).optional(),
  }),
  z.strictObject({ type: z.literal('logs-stop'), podId: PodId }),
]);
export type WatchCommand = z.infer<typeof WatchCommand>;
