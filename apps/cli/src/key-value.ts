// `--config key=value`, as `pod create` and `pod set` take it (`--secret`: secret-input.ts).
import { UsageError } from './errors.js';

/** Commander collector for a repeatable option (no default, so help shows none). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `--config` assignments as a config object. A value is JSON when it parses (`3`, `true`,
 * `null`, `["a"]`), else the string as typed; a dotted key nests (`extraEnv.FOO=bar` gives
 * `{ extraEnv: { FOO: 'bar' } }`). A later assignment to the same key wins.
 */
export function parseConfig(assignments: string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const key = eq > 0 ? assignment.slice(0, eq) : '';
    if (!key) throw new UsageError(`--config expects key=value, got "${assignment}"`);
    setPath(config, key, parseValue(assignment.slice(eq + 1)));
  }
  return config;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const path = key.split('.');
  // `__proto__` would set the object's prototype instead of a key, and the value would vanish.
  if (path.some((segment) => segment === '' || segment === '__proto__')) {
    throw new UsageError(`--config ${key}: not a valid key`);
  }
  const last = path.pop() as string;
  let node = target;
  for (const [i, segment] of path.entries()) {
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (next === undefined) {
      const child: Record<string, unknown> = {};
      node[segment] = child;
      node = child;
    } else if (isObject(next)) {
      node = next;
    } else {
      const parent = path.slice(0, i + 1).join('.');
      throw new UsageError(`--config ${key}: ${parent} is already set to a value, not an object`);
    }
  }
  node[last] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
