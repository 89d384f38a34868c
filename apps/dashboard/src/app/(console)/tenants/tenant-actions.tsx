'use client';

import type { Tenant } from '@agentpod/shared';
import { useRouter } from 'next/navigation';
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
import {
  Dialog,
  DialogContent,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { callAction } from '@/lib/call-action';
import type { ActionResult } from '@/lib/problem';
import { deleteTenant, renameTenant } from './actions';

/** Rename and delete; a refused delete (the tenant still has pods) shows the API's reason. */
export function TenantActions({ tenant }: { tenant: Tenant }) {
  const router = useRouter();
  const [open, setOpen] = useState<'rename' | 'delete' | null>(null);
  const [displayName, setDisplayName] = useState(tenant.displayName);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const run = async (call: () => Promise<ActionResult<unknown>>) => {
    setPending(true);
    const result = await callAction(call);
    setPending(false);
    if (!result.ok) return setError(result.problem.detail);
    setOpen(null);
    router.refresh();
  };
  const openAs = (which: 'rename' | 'delete') => (isOpen: boolean) => {
    setError(null);
    setOpen(isOpen ? which : null);
  };
  const errorLine = error && (
    <p role="alert" className="text-destructive text-sm">
      {error}
    </p>
  );

  return (
    <div className="flex gap-2">
      <Dialog open={open === 'rename'} onOpenChange={openAs('rename')}>
        <DialogTrigger asChild>
          <Button type="button" size="sm" variant="outline">
            Rename<span className="sr-only"> {tenant.displayName}</span>
          </Button>
        </DialogTrigger>
        <DialogContent>
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => renameTenant(tenant.id, displayName.trim()));
            }}
          >
            <DialogHeader>
              <DialogTitle>Rename {tenant.displayName}</DialogTitle>
            </DialogHeader>
            <div className="grid gap-1.5">
              <Label htmlFor={`rename-${tenant.id}`}>Display name</Label>
              <Input
                id={`rename-${tenant.id}`}
                value={displayName}
                onChange={(e) => setDisplayName(e.target.value)}
              />
            </div>
            {errorLine}
            <DialogFooter>
              <Button type="submit" disabled={pending || !displayName.trim()}>
                Save
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
      <AlertDialog open={open === 'delete'} onOpenChange={openAs('delete')}>
        <AlertDialogTrigger asChild>
          <Button type="button" size="sm" variant="outline">
            Delete<span className="sr-only"> {tenant.displayName}</span>
          </Button>
        </AlertDialogTrigger>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Delete {tenant.displayName}?</AlertDialogTitle>
            <AlertDialogDescription>
              A tenant can only be deleted once it has no pods.
            </AlertDialogDescription>
          </AlertDialogHeader>
          {errorLine}
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <Button
              type="button"
              variant="destructive"
              disabled={pending}
              onClick={() => void run(() => deleteTenant(tenant.id))}
            >
              Delete tenant
            </Button>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </div>
  );
}
