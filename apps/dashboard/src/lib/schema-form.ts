// An agent type's config form, from the JSON Schema its adapter publishes (GET /agent-types):
// one field per top-level property, so a new adapter needs no dashboard code. Pure: the form
// component renders these fields, and the tests check the mapping and the validation.

export type FieldKind =
  | 'text'
  | 'email'
  | 'url'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  /** An array of strings, one per line. */
  | 'list'
  /** An object of strings, one `KEY=value` per line. */
  | 'map'
  /** Anything else, edited as JSON. */
  | 'json';

export interface FormField {
  name: string;
  /** The field as the API's problem details name it: `config.provider`. */
  path: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  default: unknown;
  options: string[];
  rules: Rules;
}

interface Rules {
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  /** For list items and map values. */
  item?: Rules & { format?: string };
  /** For map keys. */
  keyPattern?: string;
}

type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null;
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function rulesOf(s: Schema): Rules {
  const rules: Rules = {};
  const copy = (key: keyof Rules, value: number | string | undefined) => {
    if (value !== undefined) (rules as Record<string, unknown>)[key] = value;
  };
  copy('pattern', str(s.pattern));
  copy('minLength', num(s.minLength));
  copy('maxLength', num(s.maxLength));
  copy('minimum', num(s.minimum));
  copy('maximum', num(s.maximum));
  copy('maxItems', num(s.maxItems));
  return rules;
}

function kindOf(s: Schema): { kind: FieldKind; rules: Rules } {
  const rules = rulesOf(s);
  if (Array.isArray(s.enum) && s.enum.every((o) => typeof o === 'string')) {
    return { kind: 'enum', rules };
  }
  switch (s.type) {
    case 'string':
      if (s.format === 'email') return { kind: 'email', rules };
      if (s.format === 'uri' || s.format === 'url') return { kind: 'url', rules };
      return { kind: 'text', rules };
    case 'integer':
      return { kind: 'integer', rules };
    case 'number':
      return { kind: 'number', rules };
    case 'boolean':
      return { kind: 'boolean', rules };
    case 'array':
      if (isSchema(s.items) && s.items.type === 'string') {
        const item = {
          ...rulesOf(s.items),
          ...(str(s.items.format) && { format: s.items.format as string }),
        };
        return { kind: 'list', rules: { ...rules, item } };
      }
      return { kind: 'json', rules };
    case 'object': {
      const values = s.additionalProperties;
      if (isSchema(values) && values.type === 'string' && !isSchema(s.properties)) {
        const keyPattern = isSchema(s.propertyNames) ? str(s.propertyNames.pattern) : undefined;
        return {
          kind: 'map',
          rules: { ...rules, item: rulesOf(values), ...(keyPattern && { keyPattern }) },
        };
      }
      return { kind: 'json', rules };
    }
    default:
      return { kind: 'json', rules };
  }
}

const WORDS: Record<string, string> = {
  api: 'API',
  url: 'URL',
  urls: 'URLs',
  openai: 'OpenAI',
  env: 'environment',
};

/** `openaiBaseUrls` -> `OpenAI base URLs`; a schema `title` wins. */
export function labelOf(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .map((w) => WORDS[w.toLowerCase()] ?? w.toLowerCase());
  const [first = '', ...rest] = words;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(' ');
}

/** The form's fields, in the schema's order, under `prefix` (`config`) as the API names them. */
export function fieldsFromSchema(schema: Schema, prefix = 'config'): FormField[] {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(properties).flatMap(([name, raw]) => {
    if (!isSchema(raw)) return [];
    const { kind, rules } = kindOf(raw);
    return [
      {
        name,
        path: `${prefix}.${name}`,
        label: str(raw.title) ?? labelOf(name),
        kind,
        required: required.has(name),
        description: str(raw.description) ?? null,
        default: raw.default,
        options: kind === 'enum' ? (raw.enum as string[]) : [],
        rules,
      },
    ];
  });
}
