// What the live feed has told this browser: every pod's latest state and the events seen, as
// a pure reducer over the control plane's watch messages. A reconnect replays events that may
// already be here, and messages may cross: events are deduped by id and kept in id order (ids
// are time-ordered), and a pod snapshot older than the one held is ignored.
import type { PodEvent, PodWithStatus, WatchMessage } from '@agentpod/shared';

export type Connection = 'connecting' | 'live' | 'down';

export interface LiveState {
  connection: Connection;
  /** Null until the first `hello`: pages then show what the server rendered. */
  pods: ReadonlyMap<string, PodWithStatus> | null;
  /** Oldest first, unique by id, at most MAX_EVENTS (the newest). */
  events: readonly PodEvent[];
}

export const MAX_EVENTS = 2_000;

export const initialLiveState: LiveState = { connection: 'connecting', pods: null, events: [] };

/** A pod snapshot's age: the later of its desired state, status and usage times. */
function versionOf(pod: PodWithStatus): string {
  return [pod.updatedAt, pod.status.updatedAt, pod.status.usage?.at ?? ''].sort().at(-1) as string;
}

export function isStale(incoming: PodWithStatus, held: PodWithStatus | undefined): boolean {
  return held !== undefined && versionOf(incoming) < versionOf(held);
}

/** Inserts `incoming` events into `events` (sorted by id), skipping ids already there. */
export function mergeEvents(
  events: readonly PodEvent[],
  incoming: readonly PodEvent[],
  max = MAX_EVENTS,
): readonly PodEvent[] {
  const seen = new Set(events.map((e) => e.id));
  const fresh = incoming.filter((e) => !seen.has(e.id) && seen.add(e.id));
  if (fresh.length === 0) return events;
  const last = events.at(-1);
  // The usual case, a newer event, appends; an older one (a replay) is sorted in.
  const merged =
    last && fresh.every((e) => e.id > last.id)
      ? [...events, ...fresh.sort(byId)]
      : [...events, ...fresh].sort(byId);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}

const byId = (a: PodEvent, b: PodEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function withPod(state: LiveState, pod: PodWithStatus): LiveState {
  const pods = new Map(state.pods ?? []);
  if (isStale(pod, pods.get(pod.id))) return state;
  pods.set(pod.id, pod);
  return { ...state, pods };
}

export function applyWatchMessage(state: LiveState, message: WatchMessage): LiveState {
  switch (message.type) {
    case 'hello': {
      const pods = new Map(message.pods.map((p) => [p.id, p]));
      // A pod held here but missing from the snapshot was deleted while we were away.
      for (const [id, held] of state.pods ?? []) {
        if (!pods.has(id)) pods.set(id, { ...held, status: { ...held.status, phase: 'deleted' } });
      }
      return { ...state, pods, connection: 'connecting' };
    }
    case 'event':
      return { ...state, events: mergeEvents(state.events, [message.event]) };
    case 'synced':
      return { ...state, connection: 'live' };
    case 'pod':
      return withPod(state, message.pod);
    default:
      // Log lines go to their listeners, not into the state; errors are reported elsewhere.
      return state;
  }
}

export function withConnection(state: LiveState, connection: Connection): LiveState {
  return state.connection === connection ? state : { ...state, connection };
}

/** A pod as the page should show it: the live one once the feed has it, else what was rendered. */
export function livePod(state: LiveState, rendered: PodWithStatus): PodWithStatus {
  const live = state.pods?.get(rendered.id);
  return live && !isStale(live, rendered) ? live : rendered;
}
