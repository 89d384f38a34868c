'use client';

import type { AgentType, PodWithStatus } from '@agentpod/shared';
import { useMemo, useState } from 'react';
import { ConfigFields } from '@/components/config-fields';
import { useLivePod } from '@/components/live/live-provider';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { callAction } from '@/lib/call-action';
import {
  configPatch,
  type FormValues,
  initialValues,
  parseForm,
  revalidate,
} from '@/lib/form-values';
import { formErrors } from '@/lib/problem';
import { fieldsFromSchema } from '@/lib/schema-form';
import { updatePod } from './actions';
import { SecretSetting } from './secret-setting';

/** The pod's config as the generated form; secrets can be set or replaced, never read. */
export function PodConfig({ rendered, type }: { rendered: PodWithStatus; type: AgentType }) {
  const pod = useLivePod(rendered);
  const fields = useMemo(() => fieldsFromSchema(type.configSchema), [type]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, rendered.config));
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [pending, setPending] = useState(false);
  // Bumped by each save: the secret editors start closed again.
  const [saves, setSaves] = useState(0);
  const seeded = type.seededAtFirstStart;
  const locked = Object.fromEntries(
    (seeded?.config ?? []).map((k) => [
      `config.${k}`,
      `Set at the first start; change it in ${seeded?.changeIn}.`,
    ]),
  );

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const { config, errors: invalid } = parseForm(fields, values);
    setErrors(invalid);
    if (Object.keys(invalid).length > 0) return;
    const patch = configPatch(pod.config, config);
    const given = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    if (Object.keys(patch).length === 0 && Object.keys(given).length === 0) {
      return setMessage({ error: false, text: 'Nothing has changed.' });
    }
    setPending(true);
    const result = await callAction(() =>
      updatePod(pod.id, {
        ...(Object.keys(patch).length > 0 && { config: patch }),
        ...(Object.keys(given).length > 0 && { secrets: given }),
      }),
    );
    setPending(false);
    if (result.ok) {
      setSecrets({});
      setSaves((n) => n + 1);
      setMessage({ error: false, text: 'Saved. The agent restarts with the new settings.' });
      return;
    }
    const paths = [...fields.map((f) => f.path), ...type.secretFields.map((s) => `secrets.${s}`)];
    const mapped = formErrors(result.problem, paths);
    setErrors(mapped.fields);
    setMessage(mapped.form ? { error: true, text: mapped.form } : null);
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>Settings</CardTitle>
        <CardDescription>Saving recreates the container; its state volume is kept.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={save} noValidate className="grid items-start gap-4 md:grid-cols-2">
          <ConfigFields
            idPrefix="edit"
            fields={fields}
            values={values}
            errors={errors}
            locked={locked}
            onChange={(name, value) => {
              setValues((v) => ({ ...v, [name]: value }));
              setErrors((e) => revalidate(fields, name, value, e));
            }}
          />
          {type.secretFields.map((name) => (
            <SecretSetting
              key={`${name}-${saves}`}
              name={name}
              isSet={pod.secretRefs.includes(name)}
              value={secrets[name] ?? ''}
              onChange={(value) => setSecrets((s) => ({ ...s, [name]: value }))}
              error={errors[`secrets.${name}`]}
              lockedReason={
                seeded?.secrets.includes(name)
                  ? `Set at the first start; change it in ${seeded.changeIn}.`
                  : null
              }
            />
          ))}
          <div className="grid gap-3 md:col-span-2">
            {message && (
              <Alert variant={message.error ? 'destructive' : 'default'}>
                <AlertDescription>{message.text}</AlertDescription>
              </Alert>
            )}
            <div>
              <Button type="submit" disabled={pending}>
                {pending ? 'Saving…' : 'Save settings'}
              </Button>
            </div>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
