// Test support for the generated Compose files: they are rendered from TypeScript projects
// (deploy/compose.ts, routing/traefik-compose.test.ts) and compared with the committed files.
import { stringify } from 'yaml';

/**
 * Block-style YAML (the `yaml` library). Every string is double-quoted, so no value can be
 * misread as a number, boolean or null, and no line is folded.
 */
export function toYaml(value: unknown): string {
  return stringify(value, {
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
    lineWidth: 0,
  });
}
