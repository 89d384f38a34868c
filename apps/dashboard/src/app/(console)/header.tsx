import Link from 'next/link';
import { Button } from '@/components/ui/button';
import type { Operator } from '@/lib/auth';
import { logout } from '../login/actions';
import { ConnectionStatus } from './connection-status';
import { NavLinks } from './nav-links';

export function Header({ operator }: { operator: Operator | null }) {
  return (
    <header className="bg-background sticky top-0 z-40 border-b">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/pods" className="font-semibold tracking-tight">
          AgentPod
        </Link>
        <NavLinks />
        <div className="ml-auto flex items-center gap-3">
          <ConnectionStatus />
          {operator && (
            <span className="text-muted-foreground hidden text-sm md:inline">{operator.email}</span>
          )}
          <form action={logout}>
            <Button type="submit" variant="outline" size="sm">
              Sign out
            </Button>
          </form>
        </div>
      </div>
    </header>
  );
}
