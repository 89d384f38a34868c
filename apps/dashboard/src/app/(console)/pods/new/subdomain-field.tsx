'use client';

import { DnsLabel } from '@agentpod/shared';
import { useEffect, useState } from 'react';
import { FieldMessage } from '@/components/field-message';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { callAction } from '@/lib/call-action';
import { checkSubdomain } from './actions';

type Check =
  | { state: 'idle' | 'checking' }
  | { state: 'available' }
  | { state: 'taken'; reason: string };

/** The subdomain, checked with the control plane while typing (after a short pause). */
export function SubdomainField(props: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  suffix: string | null;
}) {
  const { value } = props;
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  useEffect(() => {
    if (!value) return setCheck({ state: 'idle' });
    const local = DnsLabel.safeParse(value);
    if (!local.success) {
      return setCheck({ state: 'taken', reason: local.error.issues[0]?.message ?? 'is not valid' });
    }
    setCheck({ state: 'checking' });
    let current = true;
    const timer = setTimeout(async () => {
      const result = await callAction(() => checkSubdomain(value));
      if (!current) return;
      if (!result.ok) setCheck({ state: 'taken', reason: result.problem.detail });
      else if (result.value.available) setCheck({ state: 'available' });
      else setCheck({ state: 'taken', reason: result.value.reason ?? 'is not available' });
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [value]);

  const error = props.error ?? (check.state === 'taken' ? check.reason : undefined);
  const hint =
    check.state === 'checking'
      ? 'Checking…'
      : check.state === 'available'
        ? `Available${props.suffix ? `: ${value}${props.suffix}` : ''}`
        : 'Lowercase letters, digits and inner hyphens.';
  return (
    <div className="grid gap-1.5" data-field="subdomain" data-check={check.state}>
      <Label htmlFor="pod-subdomain">
        Subdomain
        <span className="text-destructive" aria-hidden="true">
          *
        </span>
      </Label>
      <Input
        id="pod-subdomain"
        name="subdomain"
        required
        autoCapitalize="none"
        spellCheck={false}
        value={value}
        onChange={(e) => props.onChange(e.target.value.trim().toLowerCase())}
        aria-invalid={error ? true : undefined}
        aria-describedby="pod-subdomain-message"
      />
      <div aria-live="polite">
        <FieldMessage id="pod-subdomain-message" error={error} hint={hint} />
      </div>
    </div>
  );
}
