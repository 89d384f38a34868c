// The API's problem details (RFC 9457) put onto a form: each `errors[].path` goes to the field
// it names, or to the nearest field that holds it (`config.extraEnv.FOO` -> `config.extraEnv`);
// whatever no field claims is shown for the whole form.

export interface ProblemLike {
  code: string;
  detail: string;
  errors: { path: string; message: string }[];
}

/** What a server action answers: a value, or the API's problem details as plain data. */
export type ActionResult<T = null> = { ok: true; value: T } | { ok: false; problem: ProblemLike };

export interface FormErrors {
  /** By field path, e.g. `config.provider`. */
  fields: Record<string, string>;
  /** For the form as a whole; null when every error found its field. */
  form: string | null;
}

function owner(path: string, fieldPaths: string[]): string | undefined {
  return fieldPaths
    .filter((f) => path === f || path.startsWith(`${f}.`))
    .sort((a, b) => b.length - a.length)[0];
}

export function formErrors(problem: ProblemLike, fieldPaths: string[]): FormErrors {
  const fields: Record<string, string> = {};
  const unclaimed: string[] = [];
  for (const { path, message } of problem.errors) {
    const field = owner(path, fieldPaths);
    if (!field) {
      unclaimed.push(`${path}: ${message}`);
      continue;
    }
    const text = field === path ? message : `${path.slice(field.length + 1)}: ${message}`;
    fields[field] = fields[field] ? `${fields[field]}; ${text}` : text;
  }
  const form =
    unclaimed.length > 0
      ? `${problem.detail} (${unclaimed.join('; ')})`
      : Object.keys(fields).length === 0
        ? problem.detail
        : null;
  return { fields, form };
}
