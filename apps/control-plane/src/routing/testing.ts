// Test support: the published JSON schemas of Traefik and Compose, which live in the shared/
// folder beside the repository (in CI as well), so generated documents are checked against what
// the real tools accept rather than against our own idea of it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

/** The repository root: this file is apps/control-plane/src/routing/testing.ts. */
export const REPO_ROOT = new URL('../../../../', import.meta.url);

const SCHEMAS_DIR = new URL('../shared/schemas/', REPO_ROOT);

export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, REPO_ROOT));
}

export type SchemaName =
  | 'traefik-v3-dynamic.schema.json'
  | 'traefik-v3-static.schema.json'
  | 'compose-spec.schema.json';

/** A function that throws, listing every violation, when a document does not fit the schema. */
export function schemaValidator(name: SchemaName): (document: unknown) => void {
  const schema = JSON.parse(readFileSync(new URL(name, SCHEMAS_DIR), 'utf8'));
  // All three are draft-07, Ajv's default dialect, but the Compose one names it by an https URI
  // that Ajv does not know; without the name Ajv uses draft-07 anyway.
  if (!/json-schema\.org\/draft-07\/schema#?$/.test(schema.$schema)) {
    throw new Error(`${name}: expected a draft-07 schema, got ${schema.$schema}`);
  }
  delete schema.$schema;
  // strict: false because the published schemas use keywords ajv does not know (e.g. markdown
  // descriptions); they carry no validation meaning.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  return (document) => {
    if (!validate(document)) {
      throw new Error(`Not a valid ${name} document: ${ajv.errorsText(validate.errors)}`);
    }
  };
}
