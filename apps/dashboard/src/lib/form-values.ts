// What an operator types into a generated config form, checked against the field's schema
// rules and turned into the config the API takes. Inputs hold strings (checkboxes booleans):
// lists one item per line, maps one `KEY=value` per line.
import type { FieldKind, FormField } from './schema-form';

export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;

export function toFieldValue(field: FormField, value: unknown): FieldValue {
  if (field.kind === 'boolean') return value === true;
  if (value === undefined || value === null) return '';
  if (field.kind === 'list' && Array.isArray(value)) return value.map(String).join('\n');
  if (field.kind === 'map' && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n');
  }
  if (field.kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** A new pod's form shows the defaults; an existing pod's shows its config. */
export function initialValues(fields: FormField[], config?: Record<string, unknown>): FormValues {
  return Object.fromEntries(
    fields.map((f) => [f.name, toFieldValue(f, config ? config[f.name] : f.default)]),
  );
}

type Parsed = { value?: unknown; error?: string };

function matches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return new RegExp(pattern).test(text);
  }
}

const FORMAT_CHECKS: Partial<Record<FieldKind | string, (s: string) => boolean>> = {
  email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
  url: (s) => URL.canParse(s) && /^[a-z][a-z0-9+.-]*:/i.test(s),
  uri: (s) => URL.canParse(s),
};

function checkText(rules: FormField['rules'], text: string, format?: string): string | undefined {
  if (rules.minLength !== undefined && text.length < rules.minLength) {
    return `must be at least ${rules.minLength} characters`;
  }
  if (rules.maxLength !== undefined && text.length > rules.maxLength) {
    return `must be at most ${rules.maxLength} characters`;
  }
  const check = format ? FORMAT_CHECKS[format] : undefined;
  if (check && !check(text))
    return format === 'email' ? 'must be an e-mail address' : 'must be a URL';
  if (rules.pattern && !matches(rules.pattern, text)) return `must match ${rules.pattern}`;
  return undefined;
}

function parseNumber(field: FormField, text: string): Parsed {
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: 'must be a number' };
  if (field.kind === 'integer' && !Number.isInteger(n)) return { error: 'must be a whole number' };
  const { minimum, maximum } = field.rules;
  if (minimum !== undefined && n < minimum) return { error: `must be at least ${minimum}` };
  if (maximum !== undefined && n > maximum) return { error: `must be at most ${maximum}` };
  return { value: n };
}

function parseList(field: FormField, text: string): Parsed {
  const items = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const max = field.rules.maxItems;
  if (max !== undefined && items.length > max) return { error: `at most ${max} entries` };
  for (const item of items) {
    const error = checkText(field.rules.item ?? {}, item, field.rules.item?.format);
    if (error) return { error: `"${item}" ${error}` };
  }
  return { value: items };
}

function parseMap(field: FormField, text: string): Parsed {
  const entries: [string, string][] = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.indexOf('=');
    if (at <= 0) return { error: `"${line}" is not KEY=value` };
    const key = line.slice(0, at).trim();
    if (field.rules.keyPattern && !matches(field.rules.keyPattern, key)) {
      return { error: `"${key}" must match ${field.rules.keyPattern}` };
    }
    const error = checkText(field.rules.item ?? {}, line.slice(at + 1));
    if (error) return { error: `${key}: ${error}` };
    entries.push([key, line.slice(at + 1)]);
  }
  return { value: Object.fromEntries(entries) };
}

/** One field's value for the API; `value` undefined means "leave it out". */
export function parseField(field: FormField, raw: FieldValue): Parsed {
  if (field.kind === 'boolean') return { value: raw === true };
  const text = String(raw);
  if (text.trim() === '') return field.required ? { error: 'is required' } : {};
  switch (field.kind) {
    case 'number':
    case 'integer':
      return parseNumber(field, text.trim());
    case 'list':
      return parseList(field, text);
    case 'map':
      return parseMap(field, text);
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: 'must be valid JSON' };
      }
    case 'enum':
      return field.options.includes(text)
        ? { value: text }
        : { error: 'is not one of the choices' };
    default: {
      const error = checkText(field.rules, text, field.kind === 'text' ? undefined : field.kind);
      return error ? { error } : { value: text };
    }
  }
}

/** The whole form: the config to send, or the errors by field path. */
export function parseForm(
  fields: FormField[],
  values: FormValues,
): { config: Record<string, unknown>; errors: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const parsed = parseField(field, values[field.name] ?? '');
    if (parsed.error) errors[field.path] = parsed.error;
    else if (parsed.value !== undefined) config[field.name] = parsed.value;
  }
  return { config, errors };
}

/**
 * Inline validation while typing: a field that shows an error is checked again on every change,
 * so the message goes as soon as the value is right (fields without one wait for submit).
 */
export function revalidate(
  fields: FormField[],
  name: string,
  value: FieldValue,
  errors: Record<string, string>,
): Record<string, string> {
  const field = fields.find((f) => f.name === name);
  if (!field || !(field.path in errors)) return errors;
  const { [field.path]: _old, ...rest } = errors;
  const error = parseField(field, value).error;
  return error ? { ...rest, [field.path]: error } : rest;
}

/** A JSON merge patch from `current` to `next`: changed keys, and null for removed ones. */
export function configPatch(
  current: Record<string, unknown>,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(current), ...Object.keys(next)])) {
    if (!(key in next)) patch[key] = null;
    else if (JSON.stringify(current[key]) !== JSON.stringify(next[key])) {
      // An object replaces the old one whole: keys it lost are set to null.
      const old = current[key];
      const value = next[key];
      if (isRecord(old) && isRecord(value)) {
        patch[key] = { ...Object.fromEntries(Object.keys(old).map((k) => [k, null])), ...value };
      } else patch[key] = value;
    }
  }
  return patch;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
