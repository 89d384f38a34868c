'use client';

import type { PodWithStatus } from '@agentpod/shared';
import Link from 'next/link';
import { useState, useTransition } from 'react';
import { useLivePod } from '@/components/live/live-provider';
import { Button } from '@/components/ui/button';
import { callAction } from '@/lib/call-action';
import type { ProblemLike } from '@/lib/problem';
import { AccessLinkDialog } from './access-link-dialog';
import { powerPod } from './actions';
import { DeletePodDialog } from './delete-pod-dialog';

/** Start, stop, restart, delete and the access link; the live status shows the outcome. */
export function PodControls({ rendered, canLink }: { rendered: PodWithStatus; canLink: boolean }) {
  const pod = useLivePod(rendered);
  const [problem, setProblem] = useState<ProblemLike | null>(null);
  const [pending, startTransition] = useTransition();
  const deleted = pod.deletedAt !== null || pod.status.phase === 'deleted';
  const power = (verb: 'start' | 'stop' | 'restart') =>
    startTransition(async () => {
      const result = await callAction(() => powerPod(pod.id, verb));
      setProblem(result.ok ? null : result.problem);
    });
  if (deleted) {
    return (
      <p className="text-muted-foreground flex flex-wrap items-center gap-2 text-sm" role="status">
        {pod.status.phase === 'deleted' ? 'This pod is deleted.' : 'This pod is being deleted…'}
        <Link href="/pods" className="text-foreground underline underline-offset-4">
          All pods
        </Link>
      </p>
    );
  }
  return (
    <div className="grid justify-items-end gap-2">
      <div className="flex flex-wrap gap-2">
        {canLink && <AccessLinkDialog podId={pod.id} />}
        {pod.desiredState === 'stopped' ? (
          <Button type="button" variant="outline" disabled={pending} onClick={() => power('start')}>
            Start
          </Button>
        ) : (
          <Button type="button" variant="outline" disabled={pending} onClick={() => power('stop')}>
            Stop
          </Button>
        )}
        <Button
          type="button"
          variant="outline"
          disabled={pending || pod.desiredState === 'stopped'}
          onClick={() => power('restart')}
        >
          Restart
        </Button>
        <DeletePodDialog pod={pod} />
      </div>
      {problem && (
        <p role="alert" className="text-destructive text-sm">
          {problem.detail}
        </p>
      )}
    </div>
  );
}
