'use client';

import type { PodEvent } from '@agentpod/shared';
import { usePodEvents } from '@/components/live/live-provider';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { formatTime } from '@/lib/format';
import { cn } from '@/lib/utils';

/** The pod's events, newest first: those rendered, then each new one as it happens. */
export function PodTimeline({ podId, rendered }: { podId: string; rendered: PodEvent[] }) {
  const events = usePodEvents(podId, rendered);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Timeline</CardTitle>
      </CardHeader>
      <CardContent>
        {events.length === 0 ? (
          <p className="text-muted-foreground text-sm">No events yet.</p>
        ) : (
          <ol
            aria-label="Events"
            className="grid max-h-96 gap-3 overflow-y-auto border-l pl-4"
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard (axe: scrollable-region-focusable)
            tabIndex={0}
          >
            {[...events].reverse().map((e) => (
              <li key={e.id} data-event-id={e.id} data-reason={e.reason} className="relative">
                <span
                  aria-hidden="true"
                  className={cn(
                    'absolute top-1.5 -left-[21px] size-2.5 rounded-full',
                    e.type === 'warning' ? 'bg-destructive' : 'bg-primary',
                  )}
                />
                <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
                  <span className={cn('font-medium', e.type === 'warning' && 'text-destructive')}>
                    {e.reason}
                  </span>
                  <time dateTime={e.createdAt} className="text-muted-foreground text-xs">
                    {formatTime(e.createdAt)}
                  </time>
                </div>
                <p className="text-muted-foreground text-sm break-all">{e.message}</p>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
