'use client';

import type { PodEvent, PodWithStatus } from '@agentpod/shared';
import {
  createContext,
  type ReactNode,
  use,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
} from 'react';
import { type LiveState, livePod, mergeEvents } from '@/lib/live-state';
import { LiveStore } from './live-store';

const LiveContext = createContext<LiveStore | null>(null);

/** Holds the tab's one live connection for every page under it. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new LiveStore());
  // Children's effects run first, so pages have registered what they rendered before this
  // connects: the feed then catches up from the newest event they showed.
  useEffect(() => {
    store.connect();
    return () => store.disconnect();
  }, [store]);
  return <LiveContext value={store}>{children}</LiveContext>;
}

export function useLiveStore(): LiveStore {
  const store = use(LiveContext);
  if (!store) throw new Error('useLiveStore needs a LiveProvider');
  return store;
}

export function useLive<T>(select: (state: LiveState) => T): T {
  const store = useLiveStore();
  return useSyncExternalStore(
    store.subscribe,
    () => select(store.getState()),
    () => select(store.getState()),
  );
}

/** A pod as rendered on the server until the feed has something newer. */
export function useLivePod(rendered: PodWithStatus): PodWithStatus {
  const state = useLive((s) => s);
  return livePod(state, rendered);
}

const NONE: readonly PodEvent[] = [];

/** The pod's events, oldest first: those the page rendered and those that came since. */
export function usePodEvents(
  podId: string,
  rendered: readonly PodEvent[] = NONE,
): readonly PodEvent[] {
  const store = useLiveStore();
  useEffect(() => store.addRendered(rendered), [store, rendered]);
  const events = useLive((s) => s.events);
  return useMemo(
    () =>
      mergeEvents(
        rendered,
        events.filter((e) => e.podId === podId),
      ),
    [rendered, events, podId],
  );
}
