'use client';

import { useState } from 'react';
import { SecretInput } from '@/components/secret-input';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { labelOf } from '@/lib/schema-form';

interface Props {
  name: string;
  isSet: boolean;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  lockedReason: string | null;
}

/** A secret of an existing pod: whether it is set, and a field to set or replace it. */
export function SecretSetting({ name, isSet, value, onChange, error, lockedReason }: Props) {
  const [editing, setEditing] = useState(false);
  const label = labelOf(name);
  // Mid-sentence: `Replace provider API key`.
  const inline = label.charAt(0).toLowerCase() + label.slice(1);
  if (editing) {
    return (
      <div className="grid gap-2">
        <SecretInput
          id={`edit-secret-${name}`}
          name={name}
          label={`New ${inline}`}
          value={value}
          onChange={onChange}
          error={error}
          hint="Write-only: the current value is never shown."
        />
        <div>
          <Button
            type="button"
            variant="ghost"
            size="sm"
            onClick={() => {
              onChange('');
              setEditing(false);
            }}
          >
            Keep the current value
          </Button>
        </div>
      </div>
    );
  }
  return (
    <div className="grid gap-1.5" data-field={`secrets.${name}`}>
      <span className="text-sm font-medium">{label}</span>
      <div className="flex flex-wrap items-center gap-2">
        <Badge
          variant={isSet ? 'secondary' : 'outline'}
          data-secret-state={isSet ? 'set' : 'unset'}
        >
          {isSet ? 'set' : 'not set'}
        </Badge>
        {lockedReason ? (
          <span className="text-muted-foreground text-sm">{lockedReason}</span>
        ) : (
          <Button type="button" variant="outline" size="sm" onClick={() => setEditing(true)}>
            {isSet ? `Replace ${inline}` : `Set ${inline}`}
          </Button>
        )}
      </div>
      {error && (
        <p role="alert" className="text-destructive text-sm">
          {error}
        </p>
      )}
    </div>
  );
}
