'use client';

import type { LogLine } from '@agentpod/shared';
import { useEffect, useRef, useState } from 'react';
import { useLiveStore } from '@/components/live/live-provider';
import { Button } from '@/components/ui/button';
import { Card, CardAction, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';

/** A line with its place in the stream, which keys it in the list. */
type Numbered = LogLine & { n: number };

/** Lines kept in the page; the download has more. */
const MAX_LINES = 2_000;

/** The pod's log as it is written: follow or pause, search, download. */
export function PodLogs({ podId }: { podId: string }) {
  const store = useLiveStore();
  const [lines, setLines] = useState<Numbered[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<Numbered[]>([]);
  const [search, setSearch] = useState('');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const box = useRef<HTMLElement>(null);
  const counter = useRef(0);

  useEffect(
    () =>
      store.followLogs(podId, {
        onLine: (line) => {
          counter.current += 1;
          const numbered = { ...line, n: counter.current };
          const add = (all: Numbered[]) => [...all, numbered].slice(-MAX_LINES);
          if (pausedRef.current) setHeld(add);
          else setLines(add);
        },
        onRestart: () => {
          setLines([]);
          setHeld([]);
        },
      }),
    [store, podId],
  );

  // Following keeps the newest line in view.
  useEffect(() => {
    if (!paused && box.current && lines.length > 0)
      box.current.scrollTop = box.current.scrollHeight;
  }, [lines, paused]);

  const resume = () => {
    setLines((all) => [...all, ...held].slice(-MAX_LINES));
    setHeld([]);
    setPaused(false);
  };
  const needle = search.trim().toLowerCase();
  const shown = needle ? lines.filter((l) => l.text.toLowerCase().includes(needle)) : lines;

  return (
    <Card>
      <CardHeader>
        <CardTitle>Logs</CardTitle>
        <CardAction className="flex flex-wrap gap-2">
          {paused ? (
            <Button type="button" size="sm" onClick={resume}>
              Follow{held.length > 0 ? ` (${held.length} new)` : ''}
            </Button>
          ) : (
            <Button type="button" size="sm" variant="outline" onClick={() => setPaused(true)}>
              Pause
            </Button>
          )}
          <Button asChild size="sm" variant="outline">
            <a href={`/api/pods/${podId}/logs`} download>
              Download
            </a>
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent className="grid gap-3">
        <div className="grid gap-1.5 sm:max-w-xs">
          <Label htmlFor="log-search">Search the log</Label>
          <Input
            id="log-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <section
          ref={box}
          aria-label="Log lines"
          data-log-lines={lines.length}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard (axe: scrollable-region-focusable)
          tabIndex={0}
          className="bg-muted h-80 overflow-auto rounded-md p-3"
        >
          <pre className="font-mono text-xs leading-relaxed whitespace-pre-wrap">
            {shown.length === 0
              ? needle
                ? 'No line matches.'
                : 'Waiting for log lines…'
              : shown.map((l) => (
                  <span
                    key={l.n}
                    className={l.stream === 'stderr' ? 'text-destructive block' : 'block'}
                  >
                    {l.text}
                  </span>
                ))}
          </pre>
        </section>
      </CardContent>
    </Card>
  );
}
