import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { AuthCard } from '@/components/auth-card';
import { anonymousApi } from '@/lib/api';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage(props: {
  searchParams: Promise<{ expired?: string; signedOut?: string; created?: string }>;
}) {
  const query = await props.searchParams;
  // First run: nobody can sign in until the first admin exists.
  const setup = await anonymousApi()
    .setup.status()
    .catch(() => null);
  if (setup?.needsFirstAdmin) redirect('/setup');
  const notice = query.created
    ? 'The first admin was created. Sign in with it.'
    : query.expired
      ? 'Your session has ended. Sign in again.'
      : query.signedOut
        ? 'You are signed out.'
        : setup === null
          ? 'The AgentPod control plane cannot be reached right now.'
          : null;
  return (
    <AuthCard title="Sign in" description="Manage every tenant's agent.">
      <LoginForm notice={notice} />
    </AuthCard>
  );
}
