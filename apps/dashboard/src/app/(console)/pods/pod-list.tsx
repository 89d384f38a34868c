'use client';

import type { PodPhase, PodWithStatus } from '@agentpod/shared';
import { PodPhase as Phases } from '@agentpod/shared';
import Link from 'next/link';
import { useId, useMemo, useState } from 'react';
import { useLive } from '@/components/live/live-provider';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { isStale } from '@/lib/live-state';
import type { PodUrlTemplate } from '@/lib/pod-url';
import { PodRow } from './pod-row';

interface Named {
  id: string;
  name: string;
}

export interface PodListProps {
  initialPods: PodWithStatus[];
  tenants: Named[];
  types: Named[];
  urlTemplate: PodUrlTemplate | null;
}

/** The rendered list, replaced by the live one as soon as the feed has said hello. */
function useLivePods(initial: PodWithStatus[]): PodWithStatus[] {
  const live = useLive((s) => s.pods);
  return useMemo(() => {
    if (!live) return initial;
    const rendered = new Map(initial.map((p) => [p.id, p]));
    return [...live.values()]
      .map((p) => {
        const r = rendered.get(p.id);
        return r && isStale(p, r) ? r : p;
      })
      .filter((p) => p.status.phase !== 'deleted')
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [live, initial]);
}

export function PodList({ initialPods, tenants, types, urlTemplate }: PodListProps) {
  const pods = useLivePods(initialPods);
  const [tenant, setTenant] = useState('');
  const [type, setType] = useState('');
  const [phase, setPhase] = useState<PodPhase | ''>('');
  const [search, setSearch] = useState('');
  const id = useId();
  const tenantName = useMemo(() => new Map(tenants.map((t) => [t.id, t.name])), [tenants]);
  const typeName = useMemo(() => new Map(types.map((t) => [t.id, t.name])), [types]);

  if (pods.length === 0) {
    return (
      <Card className="items-center text-center">
        <CardHeader className="w-full justify-items-center">
          <CardTitle>No agents yet</CardTitle>
          <CardDescription>Each tenant gets its own agent at its own subdomain.</CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild>
            <Link href="/pods/new">Create your first agent</Link>
          </Button>
        </CardContent>
      </Card>
    );
  }

  const needle = search.trim().toLowerCase();
  const shown = pods.filter(
    (p) =>
      (!tenant || p.tenantId === tenant) &&
      (!type || p.agentType === type) &&
      (!phase || p.status.phase === phase) &&
      (!needle ||
        [p.name, p.subdomain, p.id, tenantName.get(p.tenantId) ?? ''].some((s) =>
          s.toLowerCase().includes(needle),
        )),
  );

  return (
    <div className="grid gap-4">
      <search className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <div className="col-span-2 grid gap-1.5 md:col-span-1">
          <Label htmlFor={`${id}-q`}>Search</Label>
          <Input
            id={`${id}-q`}
            type="search"
            placeholder="Name, subdomain, tenant"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <Filter
          id={`${id}-t`}
          label="Tenant"
          value={tenant}
          onChange={setTenant}
          options={tenants}
        />
        <Filter id={`${id}-y`} label="Type" value={type} onChange={setType} options={types} />
        <Filter
          id={`${id}-p`}
          label="Phase"
          value={phase}
          onChange={(v) => setPhase(v as PodPhase | '')}
          options={Phases.options.map((p) => ({ id: p, name: p }))}
        />
      </search>
      <p className="text-muted-foreground text-sm" aria-live="polite">
        {shown.length === pods.length
          ? `${pods.length} pods`
          : `${shown.length} of ${pods.length} pods`}
      </p>
      {shown.length === 0 ? (
        <p className="rounded-lg border p-6 text-center">No pod matches these filters.</p>
      ) : (
        <ul className="grid gap-2" aria-label="Pods">
          {shown.map((pod) => (
            <PodRow
              key={pod.id}
              pod={pod}
              tenant={tenantName.get(pod.tenantId) ?? pod.tenantId}
              type={typeName.get(pod.agentType) ?? pod.agentType}
              urlTemplate={urlTemplate}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function Filter(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: Named[];
}) {
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={props.id}>{props.label}</Label>
      <NativeSelect
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      >
        <option value="">All</option>
        {props.options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </NativeSelect>
    </div>
  );
}
