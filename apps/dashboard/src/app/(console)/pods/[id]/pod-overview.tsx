'use client';

import type { PodWithStatus } from '@agentpod/shared';
import type { ReactNode } from 'react';
import { useLivePod } from '@/components/live/live-provider';
import { HealthBadge, PhaseBadge } from '@/components/pod-badges';
import { Card, CardContent } from '@/components/ui/card';
import { formatBytes, formatPercent, formatTime } from '@/lib/format';

interface Props {
  rendered: PodWithStatus;
  tenant: string;
  type: string;
  url: string | null;
}

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-0.5">
      <dt className="text-muted-foreground text-xs">{term}</dt>
      <dd className="text-sm break-all">{children}</dd>
    </div>
  );
}

/** Status at a glance, live. */
export function PodOverview({ rendered, tenant, type, url }: Props) {
  const pod = useLivePod(rendered);
  const { status } = pod;
  const exit = status.lastExit;
  return (
    <Card aria-label="Status" role="region">
      <CardContent>
        <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
          <Item term="Phase">
            <PhaseBadge phase={status.phase} />
          </Item>
          <Item term="Health">
            <HealthBadge health={status.health} />
          </Item>
          <Item term="Restarts">
            <span data-restarts>{status.restarts}</span>
          </Item>
          <Item term="Desired">{pod.desiredState}</Item>
          <Item term="Tenant">{tenant}</Item>
          <Item term="Type">{type}</Item>
          <Item term="Subdomain">
            {url ? (
              <a
                href={url}
                target="_blank"
                rel="noreferrer"
                className="underline underline-offset-4"
              >
                {url}
              </a>
            ) : (
              pod.subdomain
            )}
          </Item>
          <Item term="Image">{status.image.pinned ?? status.image.ref ?? 'default'}</Item>
          <Item term="CPU">
            <span data-usage="cpu">
              {status.usage ? formatPercent(status.usage.cpuPercent) : '–'}
            </span>
          </Item>
          <Item term="Memory">
            <span data-usage="memory">
              {status.usage
                ? `${formatBytes(status.usage.memoryBytes)} of ${formatBytes(status.usage.memoryLimitBytes)}`
                : '–'}
            </span>
          </Item>
          <Item term="Last exit">
            {exit
              ? `${exit.oomKilled ? 'out of memory' : `code ${exit.exitCode ?? '?'}`}, ${formatTime(exit.at)}`
              : 'none'}
          </Item>
          <Item term="Last error">{status.lastError ?? 'none'}</Item>
        </dl>
      </CardContent>
    </Card>
  );
}
