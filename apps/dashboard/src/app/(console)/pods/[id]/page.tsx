import type { Metadata } from 'next';
import Link from 'next/link';
import { ErrorState, PageTitle } from '@/components/page-states';
import { runAction } from '@/lib/action-result';
import { podUrl } from '@/lib/pod-url';
import { podOriginTemplate } from '@/lib/public-url';
import { PodConfig } from './pod-config';
import { PodControls } from './pod-controls';
import { PodDevices } from './pod-devices';
import { PodLogs } from './pod-logs';
import { PodOverview } from './pod-overview';
import { PodTimeline } from './pod-timeline';
import { PodUsageCharts } from './pod-usage-charts';

export const metadata: Metadata = { title: 'Pod' };

export default async function PodPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  const data = await runAction(async (client) => {
    const [pod, events, stats, types] = await Promise.all([
      client.pods.get(id),
      client.pods.events(id, { limit: 100 }),
      client.pods.stats(id),
      client.agentTypes.list(),
    ]);
    const tenant = await client.tenants.get(pod.tenantId).catch(() => null);
    return {
      pod,
      events: events.items,
      stats,
      type: types.items.find((t) => t.id === pod.agentType),
      tenant,
    };
  });
  if (!data.ok) {
    const missing = data.problem.code.endsWith('not_found');
    return (
      <>
        <PageTitle>Pod</PageTitle>
        <ErrorState
          title={missing ? 'No such pod' : 'The pod could not be loaded'}
          detail={data.problem.detail}
        />
        <p className="mt-4">
          <Link href="/pods" className="underline underline-offset-4">
            Back to all pods
          </Link>
        </p>
      </>
    );
  }
  const { pod, events, stats, type, tenant } = data.value;
  const url = podUrl(await podOriginTemplate(), pod.subdomain);
  return (
    <div className="grid gap-6">
      <PageTitle
        actions={<PodControls rendered={pod} canLink={type?.capabilities.accessLink ?? false} />}
      >
        {pod.name}
      </PageTitle>
      <PodOverview
        rendered={pod}
        tenant={tenant?.displayName ?? pod.tenantId}
        type={type?.displayName ?? pod.agentType}
        url={url}
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <PodUsageCharts rendered={pod} series={stats.points} />
        <PodTimeline podId={pod.id} rendered={[...events].reverse()} />
      </div>
      {type?.capabilities.devicePairing && <PodDevices podId={pod.id} />}
      <PodLogs podId={pod.id} />
      {type && <PodConfig rendered={pod} type={type} />}
    </div>
  );
}
