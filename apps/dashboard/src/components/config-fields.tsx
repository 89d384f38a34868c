'use client';

import { FieldMessage } from '@/components/field-message';
import { Checkbox } from '@/components/ui/checkbox';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { Textarea } from '@/components/ui/textarea';
import type { FieldValue, FormValues } from '@/lib/form-values';
import type { FormField } from '@/lib/schema-form';

interface Props {
  idPrefix: string;
  fields: FormField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: FieldValue) => void;
  /** Fields shown but not editable, with the reason. */
  locked?: Record<string, string>;
}

const placeholders: Partial<Record<FormField['kind'], string>> = {
  list: 'One per line',
  map: 'KEY=value, one per line',
  json: 'JSON',
};

/** The inputs of a form generated from an agent type's JSON Schema (lib/schema-form.ts). */
export function ConfigFields({ idPrefix, fields, values, errors, onChange, locked = {} }: Props) {
  return fields.map((field) => {
    const id = `${idPrefix}-${field.name}`;
    const error = errors[field.path];
    const value = values[field.name] ?? '';
    const common = {
      id,
      name: field.name,
      disabled: field.path in locked,
      'aria-invalid': error ? true : undefined,
      'aria-describedby': `${id}-message`,
      'aria-required': field.required || undefined,
    };
    const hint = locked[field.path] ?? field.description;
    if (field.kind === 'boolean') {
      return (
        <div key={field.name} className="grid gap-1.5" data-field={field.path}>
          <div className="flex items-center gap-2">
            <Checkbox
              {...common}
              checked={value === true}
              onChange={(e) => onChange(field.name, e.target.checked)}
            />
            <Label htmlFor={id}>{field.label}</Label>
          </div>
          <FieldMessage id={`${id}-message`} error={error} hint={hint} />
        </div>
      );
    }
    const text = String(value);
    return (
      <div key={field.name} className="grid gap-1.5" data-field={field.path}>
        <Label htmlFor={id}>
          {field.label}
          {field.required && (
            <span className="text-destructive" aria-hidden="true">
              *
            </span>
          )}
        </Label>
        {field.kind === 'enum' ? (
          <NativeSelect
            {...common}
            value={text}
            onChange={(e) => onChange(field.name, e.target.value)}
          >
            {!field.required && <option value="">(not set)</option>}
            {field.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </NativeSelect>
        ) : field.kind === 'list' || field.kind === 'map' || field.kind === 'json' ? (
          <Textarea
            {...common}
            value={text}
            placeholder={placeholders[field.kind]}
            spellCheck={false}
            onChange={(e) => onChange(field.name, e.target.value)}
          />
        ) : (
          <Input
            {...common}
            type={
              field.kind === 'integer' || field.kind === 'number'
                ? 'number'
                : field.kind === 'text'
                  ? 'text'
                  : field.kind
            }
            value={text}
            step={field.kind === 'integer' ? 1 : undefined}
            onChange={(e) => onChange(field.name, e.target.value)}
          />
        )}
        <FieldMessage id={`${id}-message`} error={error} hint={hint} />
      </div>
    );
  });
}
