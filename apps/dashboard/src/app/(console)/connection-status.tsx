'use client';

import { useLive } from '@/components/live/live-provider';
import type { Connection } from '@/lib/live-state';
import { cn } from '@/lib/utils';

const shown: Record<Connection, { text: string; dot: string }> = {
  live: { text: 'Live', dot: 'bg-success' },
  connecting: { text: 'Connecting…', dot: 'bg-warning' },
  down: { text: 'Disconnected, reconnecting…', dot: 'bg-destructive' },
};

/** Says whether the page is getting live updates; EventSource reconnects on its own. */
export function ConnectionStatus() {
  const connection = useLive((s) => s.connection);
  const { text, dot } = shown[connection];
  return (
    <span
      role="status"
      data-connection={connection}
      className={cn(
        'flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs',
        connection === 'down' && 'border-destructive text-destructive',
      )}
    >
      <span aria-hidden="true" className={cn('size-2 rounded-full', dot)} />
      {text}
    </span>
  );
}
