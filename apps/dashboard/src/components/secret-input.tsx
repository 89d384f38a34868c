'use client';

import { FieldMessage } from '@/components/field-message';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { labelOf } from '@/lib/schema-form';

interface Props {
  id: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | null;
  label?: string;
}

/** A secret is typed, sent once and never shown back: a password field the browser won't fill. */
export function SecretInput({ id, name, value, onChange, error, hint, label }: Props) {
  return (
    <div className="grid gap-1.5" data-field={`secrets.${name}`}>
      <Label htmlFor={id}>{label ?? labelOf(name)}</Label>
      <Input
        id={id}
        name={name}
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-message`}
      />
      <FieldMessage
        id={`${id}-message`}
        error={error}
        hint={hint ?? 'Write-only: never shown again.'}
      />
    </div>
  );
}
