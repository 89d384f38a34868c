'use client';

import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorState } from './page-states';

/** An error boundary's face: what failed, and a way to try again. */
export function RouteError({ what, reset }: { what: string; reset: () => void }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  // A server component's error needs its data fetched again, not only a re-render.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return (
    <div className="grid gap-4">
      <ErrorState
        title={`${what} could not be shown`}
        detail="Something went wrong while loading this page. The control plane may be restarting."
      />
      <div>
        <Button type="button" variant="outline" disabled={pending} onClick={retry}>
          Try again
        </Button>
      </div>
    </div>
  );
}
