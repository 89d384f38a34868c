// The `extraEnv` field every adapter's config has: variables the operator adds to the agent's
// environment, minus the ones the adapter sets itself or that would carry secrets in plain text.
import { z } from 'zod';

/** `reserved` names are refused with `why`; values are bounded and free of NUL. */
export function extraEnvSchema(reserved: ReadonlySet<string>, why: string) {
  const name = z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)')
    .refine((n) => !reserved.has(n), why);
  const value = z
    .string()
    .max(4096)
    .refine((v) => !v.includes('\0'), 'contains NUL');
  return z.record(name, value).default({});
}
