'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { FieldMessage } from '@/components/field-message';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { callAction } from '@/lib/call-action';
import { formErrors } from '@/lib/problem';
import { createTenant } from './actions';

export function CreateTenantForm() {
  const router = useRouter();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
      return setErrors({ name: 'a-z, 0-9 and inner hyphens, like a subdomain' });
    }
    setPending(true);
    const result = await callAction(() => createTenant(name, displayName));
    setPending(false);
    if (!result.ok) {
      const mapped = formErrors(result.problem, ['name', 'displayName']);
      setErrors(mapped.fields);
      setFormError(mapped.form);
      return;
    }
    setName('');
    setDisplayName('');
    setErrors({});
    setFormError(null);
    router.refresh();
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>New tenant</CardTitle>
      </CardHeader>
      <CardContent>
        <form
          onSubmit={submit}
          noValidate
          className="grid items-start gap-4 md:grid-cols-[1fr_1fr_auto]"
        >
          <div className="grid gap-1.5">
            <Label htmlFor="tenant-name">Name</Label>
            <Input
              id="tenant-name"
              value={name}
              autoCapitalize="none"
              onChange={(e) => setName(e.target.value.trim().toLowerCase())}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby="tenant-name-message"
            />
            <FieldMessage
              id="tenant-name-message"
              error={errors.name}
              hint="A short slug; it never changes."
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="tenant-display">Display name</Label>
            <Input
              id="tenant-display"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              aria-describedby="tenant-display-message"
            />
            <FieldMessage id="tenant-display-message" error={errors.displayName} hint="Optional." />
          </div>
          <Button type="submit" className="md:mt-5.5" disabled={pending}>
            {pending ? 'Creating…' : 'Create tenant'}
          </Button>
        </form>
        {formError && (
          <Alert variant="destructive" className="mt-4">
            <AlertDescription>{formError}</AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
