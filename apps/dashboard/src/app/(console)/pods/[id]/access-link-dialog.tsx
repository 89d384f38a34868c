'use client';

import type { AccessLinkResponse } from '@agentpod/shared';
import { useState } from 'react';
import { CopyButton } from '@/components/copy-button';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { callAction } from '@/lib/call-action';
import { accessLink } from './actions';

/** "Open": a fresh access link for the operator to use or hand to the tenant. */
export function AccessLinkDialog({ podId }: { podId: string }) {
  const [link, setLink] = useState<AccessLinkResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (open: boolean) => {
    if (!open) return;
    setLink(null);
    setError(null);
    const result = await callAction(() => accessLink(podId));
    if (result.ok) setLink(result.value);
    else setError(result.problem.detail);
  };
  return (
    <Dialog onOpenChange={load}>
      <DialogTrigger asChild>
        <Button type="button">Open</Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Access link</DialogTitle>
          <DialogDescription>
            Whoever has this link can open the agent. Hand it to the tenant only.
          </DialogDescription>
        </DialogHeader>
        {error && (
          <p role="alert" className="text-destructive text-sm">
            {error}
          </p>
        )}
        {!link && !error && <p role="status">Issuing a link…</p>}
        {link && (
          <div className="grid gap-3">
            <code data-access-link className="bg-muted rounded p-2 text-sm break-all">
              {link.url}
            </code>
            {link.note && <p className="text-muted-foreground text-sm">{link.note}</p>}
            <div className="flex flex-wrap gap-2">
              <CopyButton value={link.url} label="Copy link" />
              <Button asChild variant="outline" size="sm">
                <a href={link.url} target="_blank" rel="noreferrer">
                  Open in a new tab
                </a>
              </Button>
            </div>
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}
