import type { Metadata } from 'next';
import Link from 'next/link';
import { ErrorState, PageTitle } from '@/components/page-states';
import { Button } from '@/components/ui/button';
import { runAction } from '@/lib/action-result';
import { allPods, allTenants } from '@/lib/lists';
import { podOriginTemplate } from '@/lib/public-url';
import { PodList } from './pod-list';

export const metadata: Metadata = { title: 'Pods' };

export default async function PodsPage() {
  const data = await runAction(async (client) => {
    const [pods, tenants, types] = await Promise.all([
      allPods(client),
      allTenants(client),
      client.agentTypes.list(),
    ]);
    return { pods, tenants, types: types.items };
  });
  const template = await podOriginTemplate();
  return (
    <>
      <PageTitle
        actions={
          <Button asChild>
            <Link href="/pods/new">New agent</Link>
          </Button>
        }
      >
        Pods
      </PageTitle>
      {data.ok ? (
        <PodList
          initialPods={data.value.pods}
          tenants={data.value.tenants.map((t) => ({ id: t.id, name: t.displayName }))}
          types={data.value.types.map((t) => ({ id: t.id, name: t.displayName }))}
          urlTemplate={template}
        />
      ) : (
        <ErrorState title="The pods could not be loaded" detail={data.problem.detail} />
      )}
    </>
  );
}
