'use client';

import { useActionState } from 'react';
import { FieldMessage } from '@/components/field-message';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { createFirstAdmin, type SetupState } from './actions';

const fields = [
  { name: 'name', label: 'Name', type: 'text', autoComplete: 'name', hint: null },
  { name: 'email', label: 'E-mail', type: 'email', autoComplete: 'username', hint: null },
  {
    name: 'password',
    label: 'Password',
    type: 'password',
    autoComplete: 'new-password',
    hint: 'At least 12 characters.',
  },
] as const;

export function SetupForm() {
  const [state, action, pending] = useActionState<SetupState, FormData>(createFirstAdmin, {
    fields: {},
    form: null,
    values: { name: '', email: '' },
  });
  return (
    <form action={action} className="grid gap-4">
      {state.form && (
        <Alert variant="destructive">
          <AlertDescription>{state.form}</AlertDescription>
        </Alert>
      )}
      {fields.map((f) => {
        const error = state.fields[f.name];
        return (
          <div key={f.name} className="grid gap-2">
            <Label htmlFor={f.name}>{f.label}</Label>
            <Input
              id={f.name}
              name={f.name}
              type={f.type}
              autoComplete={f.autoComplete}
              required
              minLength={f.name === 'password' ? 12 : undefined}
              defaultValue={f.name === 'password' ? undefined : state.values[f.name]}
              aria-invalid={error ? true : undefined}
              aria-describedby={`${f.name}-message`}
            />
            <FieldMessage id={`${f.name}-message`} error={error} hint={f.hint} />
          </div>
        );
      })}
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create the first admin'}
      </Button>
    </form>
  );
}
