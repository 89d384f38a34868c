'use client';

import type { PodWithStatus, Tenant } from '@agentpod/shared';
import Link from 'next/link';
import { useLive } from '@/components/live/live-provider';
import { PhaseBadge } from '@/components/pod-badges';
import { Button } from '@/components/ui/button';
import {
  Card,
  CardAction,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
} from '@/components/ui/card';
import { TenantActions } from './tenant-actions';

export function TenantList({
  tenants,
  initialPods,
}: {
  tenants: Tenant[];
  initialPods: PodWithStatus[];
}) {
  const live = useLive((s) => s.pods);
  const pods = (live ? [...live.values()] : initialPods).filter(
    (p) => p.status.phase !== 'deleted',
  );
  if (tenants.length === 0) {
    return (
      <p className="rounded-lg border p-6 text-center">
        No tenants yet: create the first one above.
      </p>
    );
  }
  return (
    <ul className="grid gap-4 md:grid-cols-2" aria-label="Tenants">
      {tenants.map((t) => {
        const own = pods.filter((p) => p.tenantId === t.id);
        return (
          <li key={t.id} data-tenant={t.name}>
            <Card>
              <CardHeader>
                <CardTitle>{t.displayName}</CardTitle>
                <CardDescription>{t.name}</CardDescription>
                <CardAction>
                  <TenantActions tenant={t} />
                </CardAction>
              </CardHeader>
              <CardContent className="grid gap-3">
                {own.length === 0 ? (
                  <p className="text-muted-foreground text-sm">No pods.</p>
                ) : (
                  <ul className="grid gap-1" aria-label={`Pods of ${t.displayName}`}>
                    {own.map((p) => (
                      <li key={p.id} className="flex items-center justify-between gap-2 text-sm">
                        <Link href={`/pods/${p.id}`} className="underline-offset-4 hover:underline">
                          {p.name}
                        </Link>
                        <PhaseBadge phase={p.status.phase} />
                      </li>
                    ))}
                  </ul>
                )}
                <div>
                  <Button asChild size="sm" variant="outline">
                    <Link href={`/pods/new?tenant=${t.id}`}>New agent for {t.displayName}</Link>
                  </Button>
                </div>
              </CardContent>
            </Card>
          </li>
        );
      })}
    </ul>
  );
}
