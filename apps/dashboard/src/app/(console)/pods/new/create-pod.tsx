'use client';

import type { AgentType, CreatedPod } from '@agentpod/shared';
import { useMemo, useState } from 'react';
import { ConfigFields } from '@/components/config-fields';
import { FieldMessage } from '@/components/field-message';
import { SecretInput } from '@/components/secret-input';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { callAction } from '@/lib/call-action';
import { type FormValues, initialValues, parseForm, revalidate } from '@/lib/form-values';
import { formErrors } from '@/lib/problem';
import { fieldsFromSchema } from '@/lib/schema-form';
import { createPod } from './actions';
import { CreateProgress } from './create-progress';
import { SubdomainField } from './subdomain-field';
import { TypePicker } from './type-picker';

interface Props {
  types: AgentType[];
  tenants: { id: string; name: string }[];
  initialTenant: string;
  /** What follows the subdomain in a pod's address (`.agents.example.com`), when known. */
  urlSuffix: string | null;
}

export function CreatePod({ types, tenants, initialTenant, urlSuffix }: Props) {
  const [typeId, setTypeId] = useState(types[0]?.id ?? '');
  const type = types.find((t) => t.id === typeId) ?? types[0];
  const fields = useMemo(() => fieldsFromSchema(type?.configSchema ?? {}), [type]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [tenantId, setTenantId] = useState(initialTenant || (tenants[0]?.id ?? ''));
  const [name, setName] = useState('');
  const [subdomain, setSubdomain] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [created, setCreated] = useState<CreatedPod | null>(null);

  if (created && type) return <CreateProgress pod={created} type={type} />;
  if (!type) return null;

  const pickType = (id: string) => {
    const next = types.find((t) => t.id === id);
    setTypeId(id);
    setValues(initialValues(fieldsFromSchema(next?.configSchema ?? {})));
    setSecrets({});
    setErrors({});
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const { config, errors: invalid } = parseForm(fields, values);
    if (!subdomain) invalid.subdomain = 'is required';
    if (!tenantId) invalid.tenantId = 'is required';
    setErrors(invalid);
    setFormError(null);
    if (Object.keys(invalid).length > 0) return;
    setPending(true);
    const given = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    const result = await callAction(() =>
      createPod({
        tenantId,
        subdomain,
        agentType: type.id,
        ...(name.trim() && { name: name.trim() }),
        config,
        ...(Object.keys(given).length > 0 && { secrets: given }),
      }),
    );
    setPending(false);
    if (result.ok) return setCreated(result.value);
    const paths = ['tenantId', 'name', 'subdomain', ...fields.map((f) => f.path)];
    const mapped = formErrors(result.problem, [
      ...paths,
      ...type.secretFields.map((s) => `secrets.${s}`),
    ]);
    setErrors(mapped.fields);
    setFormError(mapped.form);
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-6">
      <TypePicker types={types} value={type.id} onChange={pickType} />
      <Card>
        <CardHeader>
          <CardTitle>{type.displayName}</CardTitle>
        </CardHeader>
        <CardContent className="grid items-start gap-4 md:grid-cols-2">
          <div className="grid gap-1.5" data-field="tenantId">
            <Label htmlFor="pod-tenant">Tenant</Label>
            <NativeSelect
              id="pod-tenant"
              value={tenantId}
              onChange={(e) => setTenantId(e.target.value)}
              aria-describedby="pod-tenant-message"
            >
              {tenants.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </NativeSelect>
            <FieldMessage id="pod-tenant-message" error={errors.tenantId} />
          </div>
          <div className="grid gap-1.5" data-field="name">
            <Label htmlFor="pod-name">Name</Label>
            <Input
              id="pod-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-describedby="pod-name-message"
            />
            <FieldMessage
              id="pod-name-message"
              error={errors.name}
              hint="Optional; the subdomain by default."
            />
          </div>
          <SubdomainField
            value={subdomain}
            onChange={setSubdomain}
            error={errors.subdomain}
            suffix={urlSuffix}
          />
          <ConfigFields
            idPrefix="config"
            fields={fields}
            values={values}
            errors={errors}
            onChange={(name, value) => {
              setValues((v) => ({ ...v, [name]: value }));
              setErrors((e) => revalidate(fields, name, value, e));
            }}
          />
          {type.secretFields.map((s) => (
            <SecretInput
              key={s}
              id={`secret-${s}`}
              name={s}
              value={secrets[s] ?? ''}
              onChange={(value) => setSecrets((v) => ({ ...v, [s]: value }))}
              error={errors[`secrets.${s}`]}
            />
          ))}
        </CardContent>
      </Card>
      {formError && (
        <Alert variant="destructive">
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      <div>
        <Button type="submit" disabled={pending}>
          {pending ? 'Creating…' : `Create ${type.displayName} agent`}
        </Button>
      </div>
    </form>
  );
}
