import type { PodWithStatus } from '@agentpod/shared';
import Link from 'next/link';
import { HealthBadge, PhaseBadge } from '@/components/pod-badges';
import { formatBytes, formatPercent } from '@/lib/format';
import { type PodUrlTemplate, podUrl } from '@/lib/pod-url';

interface Props {
  pod: PodWithStatus;
  tenant: string;
  type: string;
  urlTemplate: PodUrlTemplate | null;
}

export function PodRow({ pod, tenant, type, urlTemplate }: Props) {
  const usage = pod.status.usage;
  const url = podUrl(urlTemplate, pod.subdomain);
  return (
    <li
      data-pod-id={pod.id}
      className="grid grid-cols-2 gap-x-4 gap-y-2 rounded-lg border p-3 text-sm md:grid-cols-[2fr_1.5fr_1fr_1.4fr_1.4fr] md:items-center"
    >
      <div className="col-span-2 min-w-0 md:col-span-1">
        <Link href={`/pods/${pod.id}`} className="font-medium underline underline-offset-4">
          {pod.name}
        </Link>
        <div className="text-muted-foreground truncate">
          {url ? (
            <a
              href={url}
              target="_blank"
              rel="noreferrer"
              className="underline-offset-4 hover:underline"
            >
              {pod.subdomain}
              <span className="sr-only"> (opens the pod&apos;s public address)</span>
            </a>
          ) : (
            pod.subdomain
          )}
        </div>
      </div>
      <div className="min-w-0">
        <div className="truncate">{tenant}</div>
        <div className="text-muted-foreground">{type}</div>
      </div>
      <div className="flex flex-wrap gap-1">
        <PhaseBadge phase={pod.status.phase} />
        <HealthBadge health={pod.status.health} />
      </div>
      <div>
        <span className="text-muted-foreground">CPU </span>
        <span data-usage="cpu">{usage ? formatPercent(usage.cpuPercent) : '–'}</span>
      </div>
      <div>
        <span className="text-muted-foreground">Memory </span>
        <span data-usage="memory">
          {usage
            ? `${formatBytes(usage.memoryBytes)} / ${formatBytes(usage.memoryLimitBytes)}`
            : '–'}
        </span>
      </div>
    </li>
  );
}
