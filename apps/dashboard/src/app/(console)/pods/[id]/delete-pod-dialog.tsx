'use client';

import type { PodWithStatus } from '@agentpod/shared';
import { useState } from 'react';
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/alert-dialog';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { Label } from '@/components/ui/label';
import { callAction } from '@/lib/call-action';
import { deletePod } from './actions';

/** Deleting is confirmed here; the page then shows the pod going away, live. */
export function DeletePodDialog({ pod }: { pod: PodWithStatus }) {
  const [purge, setPurge] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const confirm = async () => {
    setPending(true);
    const result = await callAction(() => deletePod(pod.id, purge));
    setPending(false);
    if (!result.ok) setError(result.problem.detail);
  };
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button type="button" variant="destructive">
          Delete
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete {pod.name}?</AlertDialogTitle>
          <AlertDialogDescription>
            The agent stops and its container and network are removed. Its data stays in its state
            volume unless you purge it.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <div className="flex items-center gap-2">
          <Checkbox id="purge" checked={purge} onChange={(e) => setPurge(e.target.checked)} />
          <Label htmlFor="purge">
            Also delete its data (purge the state volume): this cannot be undone
          </Label>
        </div>
        {error && (
          <p role="alert" className="text-destructive text-sm">
            {error}
          </p>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button type="button" variant="destructive" disabled={pending} onClick={confirm}>
            {pending ? 'Deleting…' : purge ? 'Delete and purge' : 'Delete'}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
