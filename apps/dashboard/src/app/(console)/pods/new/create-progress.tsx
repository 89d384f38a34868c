'use client';

import type { AgentType, CreatedPod } from '@agentpod/shared';
import { CheckIcon, CircleIcon, LoaderIcon, XIcon } from 'lucide-react';
import Link from 'next/link';
import { useLivePod, usePodEvents } from '@/components/live/live-provider';
import { HealthBadge, PhaseBadge } from '@/components/pod-badges';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { progressSteps, type StepState } from './progress-steps';
import { RevealedSecrets } from './revealed-secrets';

const icons: Record<StepState, React.ReactNode> = {
  waiting: <CircleIcon aria-hidden="true" className="text-muted-foreground" />,
  active: <LoaderIcon aria-hidden="true" className="animate-spin" />,
  done: <CheckIcon aria-hidden="true" className="text-success" />,
  failed: <XIcon aria-hidden="true" className="text-destructive" />,
};

/** After submit: the new pod's way to healthy as it happens, from the live feed. */
export function CreateProgress({ pod: created, type }: { pod: CreatedPod; type: AgentType }) {
  const pod = useLivePod(created);
  const events = usePodEvents(created.id);
  const steps = progressSteps(pod, events);
  return (
    <div className="grid gap-6">
      <RevealedSecrets secrets={created.revealedSecrets} />
      <Card>
        <CardHeader>
          <CardTitle>
            {pod.name} ({type.displayName})
          </CardTitle>
          <CardDescription className="flex flex-wrap items-center gap-2">
            <PhaseBadge phase={pod.status.phase} />
            <HealthBadge health={pod.status.health} />
          </CardDescription>
        </CardHeader>
        <CardContent>
          <ol aria-label="Progress" className="grid gap-3">
            {steps.map((s) => (
              <li
                key={s.id}
                data-step={s.id}
                data-state={s.state}
                className="flex items-start gap-3"
              >
                <span className="mt-0.5 [&>svg]:size-5">{icons[s.state]}</span>
                <span className="grid">
                  <span className={s.state === 'waiting' ? 'text-muted-foreground' : 'font-medium'}>
                    {s.label}
                    <span className="sr-only">: {s.state}</span>
                  </span>
                  {s.detail && <span className="text-muted-foreground text-sm">{s.detail}</span>}
                </span>
              </li>
            ))}
          </ol>
        </CardContent>
      </Card>
      <div className="flex flex-wrap gap-3">
        <Button asChild>
          <Link href={`/pods/${pod.id}`}>Open the pod</Link>
        </Button>
        <Button asChild variant="outline">
          <Link href="/pods">All pods</Link>
        </Button>
      </div>
    </div>
  );
}
