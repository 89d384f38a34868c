import type { Metadata } from 'next';
import Link from 'next/link';
import { ErrorState, PageTitle } from '@/components/page-states';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { runAction } from '@/lib/action-result';
import { allTenants } from '@/lib/lists';
import { podOriginTemplate } from '@/lib/public-url';
import { CreatePod } from './create-pod';

export const metadata: Metadata = { title: 'New agent' };

export default async function NewPodPage(props: { searchParams: Promise<{ tenant?: string }> }) {
  const { tenant } = await props.searchParams;
  const data = await runAction(async (client) => {
    const [types, tenants] = await Promise.all([client.agentTypes.list(), allTenants(client)]);
    return { types: types.items, tenants };
  });
  if (!data.ok) {
    return (
      <>
        <PageTitle>New agent</PageTitle>
        <ErrorState title="The form could not be loaded" detail={data.problem.detail} />
      </>
    );
  }
  const { types, tenants } = data.value;
  const template = await podOriginTemplate();
  return (
    <>
      <PageTitle>New agent</PageTitle>
      {tenants.length === 0 ? (
        <Card>
          <CardHeader>
            <CardTitle>First, a tenant</CardTitle>
            <CardDescription>
              Every agent belongs to a tenant: the customer it runs for.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <Button asChild>
              <Link href="/tenants">Create a tenant</Link>
            </Button>
          </CardContent>
        </Card>
      ) : types.length === 0 ? (
        <ErrorState title="No agent types" detail="This control plane offers no agent type." />
      ) : (
        <CreatePod
          types={types}
          tenants={tenants.map((t) => ({ id: t.id, name: t.displayName }))}
          initialTenant={tenants.some((t) => t.id === tenant) ? (tenant as string) : ''}
          urlSuffix={template?.suffix ?? null}
        />
      )}
    </>
  );
}
