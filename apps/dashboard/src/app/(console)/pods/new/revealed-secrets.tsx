'use client';

import { CopyButton } from '@/components/copy-button';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { labelOf } from '@/lib/schema-form';

/** Generated secrets the adapter reveals once (Open WebUI's first admin password). */
export function RevealedSecrets({ secrets }: { secrets: Record<string, string> }) {
  const entries = Object.entries(secrets);
  if (entries.length === 0) return null;
  return (
    <Alert data-revealed-secrets>
      <AlertTitle>Shown only this once</AlertTitle>
      <AlertDescription>
        <p>Copy these now: AgentPod will never show them again.</p>
        <dl className="grid gap-2">
          {entries.map(([name, value]) => (
            <div key={name} className="grid gap-1">
              <dt className="text-foreground font-medium">{labelOf(name)}</dt>
              <dd className="flex flex-wrap items-center gap-2">
                <code data-secret={name} className="bg-muted rounded px-2 py-1 break-all">
                  {value}
                </code>
                <CopyButton value={value} label={`Copy ${labelOf(name)}`} />
              </dd>
            </div>
          ))}
        </dl>
      </AlertDescription>
    </Alert>
  );
}
