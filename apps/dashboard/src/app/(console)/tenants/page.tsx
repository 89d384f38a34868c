import type { Metadata } from 'next';
import { ErrorState, PageTitle } from '@/components/page-states';
import { runAction } from '@/lib/action-result';
import { allPods, allTenants } from '@/lib/lists';
import { CreateTenantForm } from './create-tenant-form';
import { TenantList } from './tenant-list';

export const metadata: Metadata = { title: 'Tenants' };

export default async function TenantsPage() {
  const data = await runAction(async (client) => {
    const [tenants, pods] = await Promise.all([allTenants(client), allPods(client)]);
    return { tenants, pods };
  });
  return (
    <div className="grid gap-6">
      <PageTitle>Tenants</PageTitle>
      <CreateTenantForm />
      {data.ok ? (
        <TenantList tenants={data.value.tenants} initialPods={data.value.pods} />
      ) : (
        <ErrorState title="The tenants could not be loaded" detail={data.problem.detail} />
      )}
    </div>
  );
}
