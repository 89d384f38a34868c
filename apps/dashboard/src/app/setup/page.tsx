import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth-card';
import { ErrorState } from '@/components/page-states';
import { anonymousApi } from '@/lib/api';
import { SetupForm } from './setup-form';

export const metadata: Metadata = { title: 'Create the first admin' };

export default async function SetupPage() {
  const setup = await anonymousApi()
    .setup.status()
    .catch(() => null);
  if (setup === null) {
    return (
      <AuthCard title="Create the first admin" description="">
        <ErrorState
          title="The control plane cannot be reached"
          detail="Start AgentPod's control plane, then reload this page."
        />
      </AuthCard>
    );
  }
  if (!setup.needsFirstAdmin) redirect('/login');
  return (
    <AuthCard
      title="Create the first admin"
      description="This AgentPod has no users yet. The first admin can manage every tenant and pod."
    >
      <SetupForm />
    </AuthCard>
  );
}
