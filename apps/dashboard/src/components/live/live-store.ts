// The browser side of the live feed: one EventSource per tab (app/api/live), folded into
// LiveState by the pure reducer, with log lines handed to whoever follows that pod.
import type { LogLine, PodEvent, WatchMessage } from '@agentpod/shared';
import {
  applyWatchMessage,
  initialLiveState,
  type LiveState,
  mergeEvents,
  withConnection,
} from '@/lib/live-state';

type LogListener = (line: LogLine) => void;

interface LogFollower {
  onLine: LogListener;
  /** A new connection starts the log again from its tail: drop what was shown. */
  onRestart?: () => void;
}

const LOG_TAIL = 200;

export class LiveStore {
  #state: LiveState = initialLiveState;
  #listeners = new Set<() => void>();
  #logs = new Map<string, Set<LogFollower>>();
  #source: EventSource | null = null;
  /** The live connection's id while it is open: log subscriptions name it. */
  connectionId: string | null = null;
  #newestRendered: string | null = null;

  getState = (): LiveState => this.#state;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  #set(next: LiveState) {
    if (next === this.#state) return;
    this.#state = next;
    for (const l of this.#listeners) l();
  }

  /** Events a page rendered from the server: merged in, and the feed catches up from them. */
  addRendered(events: readonly PodEvent[]) {
    for (const e of events) {
      if (!this.#newestRendered || e.id > this.#newestRendered) this.#newestRendered = e.id;
    }
    const merged = mergeEvents(this.#state.events, events);
    if (merged !== this.#state.events) this.#set({ ...this.#state, events: merged });
  }

  connect() {
    if (this.#source) return;
    const after = this.#newestRendered ? `?after=${this.#newestRendered}` : '';
    const source = new EventSource(`/api/live${after}`);
    this.#source = source;
    source.addEventListener('ready', (e) => {
      this.#setConnectionId(
        (JSON.parse((e as MessageEvent).data) as { connection: string }).connection,
      );
    });
    source.addEventListener('message', (e) => this.#receive(JSON.parse(e.data) as WatchMessage));
    source.addEventListener('down', () => this.#down());
    source.addEventListener('auth', () => {
      source.close();
      window.location.assign('/login?expired=1');
    });
    // EventSource reconnects by itself after an error (Last-Event-ID included).
    source.addEventListener('error', () => this.#down());
  }

  disconnect() {
    this.#source?.close();
    this.#source = null;
    this.#setConnectionId(null);
  }

  #down() {
    this.#setConnectionId(null);
    this.#set(withConnection(this.#state, 'down'));
  }

  #setConnectionId(id: string | null) {
    if (this.connectionId === id) return;
    this.connectionId = id;
    if (!id) return;
    // A new upstream socket follows nothing yet: ask again for every log being watched.
    for (const [podId, followers] of this.#logs) {
      for (const f of followers) f.onRestart?.();
      void this.#command(podId, true);
    }
  }

  /** Follows a pod's log over this tab's live connection, as long as anyone listens. */
  followLogs(podId: string, follower: LogFollower): () => void {
    const followers = this.#logs.get(podId) ?? new Set();
    followers.add(follower);
    this.#logs.set(podId, followers);
    if (followers.size === 1) void this.#command(podId, true);
    return () => {
      followers.delete(follower);
      if (followers.size > 0) return;
      this.#logs.delete(podId);
      void this.#command(podId, false);
    };
  }

  async #command(podId: string, follow: boolean) {
    const connection = this.connectionId;
    if (!connection) return;
    await fetch('/api/live/logs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection, podId, follow, ...(follow && { tail: LOG_TAIL }) }),
    }).catch(() => undefined);
  }

  #receive(message: WatchMessage) {
    if (message.type === 'log') {
      for (const f of this.#logs.get(message.podId) ?? []) f.onLine(message.line);
      return;
    }
    this.#set(applyWatchMessage(this.#state, message));
  }
}
