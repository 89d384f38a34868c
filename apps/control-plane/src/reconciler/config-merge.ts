// Applies the keys AgentPod manages to an agent's config file and keeps the rest of it: the
// tenant's channels, skills, agents and models, with their order, formatting and comments.
//
// Why edit the file in place, checked against openclaw 2026.9.6 (docs/gateway/configuration*,
// docs/cli/config.md, and a real gateway):
// - `$include` cannot hold AgentPod's part. Sibling keys override included values, so a
//   tenant's edit would win; and once the root authors `$include`, OpenClaw refuses every
//   Control UI or `config set` write to an included section ("would flatten $include-owned
//   config"), so the tenant could no longer change any gateway or agents setting at all.
// - Environment overrides and flags cover only the port and bind (`OPENCLAW_GATEWAY_PORT`,
//   `--bind`), not auth, trusted proxies or origins, and would leave the file saying otherwise.
// - OpenClaw's own writes (Control UI, `config set`) rewrite the file as 2-space JSON, keep key
//   order, add `meta` (its version stamp, a downgrade guard: never ours to touch) and keep the
//   previous file in a `.bak` ring. Hand edits may be JSON5. So: edit only the managed keys'
//   values with jsonc-parser, and fall back to json5 (the parser OpenClaw itself uses) for
//   syntax jsonc-parser does not read, rewriting as standard JSON as OpenClaw's writes do.
import { isDeepStrictEqual } from 'node:util';
import JSON5 from 'json5';
import {
  applyEdits,
  findNodeAtLocation,
  getNodeValue,
  type ModificationOptions,
  modify,
  type ParseError,
  parseTree,
} from 'jsonc-parser';

/** JSON with comments and trailing commas: the JSON5 that hand edits most often use. */
const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false };

export interface ConfigMergeInput {
  /** The file in the volume; null when there is none (first boot). */
  existing: string | null;
  /** What AgentPod renders now; its owned values and defaults are applied. */
  rendered: string;
  /** What AgentPod rendered when it last wrote the file, when recorded. */
  lastApplied: string | null;
  owned: string[][];
  defaults: string[][];
}

/** A managed key whose value in the file was not the one AgentPod had written there. */
export interface RestoredKey {
  path: string[];
  /** The tenant's value; undefined when the key had been removed. */
  was: unknown;
}

export type ConfigMergeResult =
  | { kind: 'merged'; text: string; restored: RestoredKey[]; reformatted: boolean }
  | { kind: 'unreadable'; text: string; reason: string };

export function mergeConfig(input: ConfigMergeInput): ConfigMergeResult {
  const { rendered, owned, defaults } = input;
  if (input.existing === null || input.existing.trim() === '') {
    return { kind: 'merged', text: rendered, restored: [], reformatted: false };
  }
  const existing = readConfig(input.existing);
  if ('reason' in existing) return { kind: 'unreadable', text: rendered, reason: existing.reason };
  const desired = JSON.parse(rendered) as unknown;
  const last = input.lastApplied === null ? undefined : readLastApplied(input.lastApplied);

  let text = existing.text;
  let edited = false;
  const restored: RestoredKey[] = [];
  const options = formattingOf(text);
  const set = (path: string[], value: unknown) => {
    text = setValue(text, path, value, options);
    edited = true;
  };
  for (const path of owned) {
    const want = valueAt(desired, path);
    const now = valueInFile(text, path);
    if (isDeepStrictEqual(now, want)) continue;
    set(path, want);
    // Without a record (first write by this version of AgentPod), only a value that is there
    // counts as the tenant's; with one, a value AgentPod itself wrote means the operator changed
    // the pod, not that the tenant changed the file.
    const tenantChanged = last === undefined ? now !== undefined : !sameAt(last, path, now);
    if (tenantChanged) restored.push({ path, was: now });
  }
  for (const path of defaults) {
    const want = valueAt(desired, path);
    const now = valueInFile(text, path);
    const untouched = now === undefined || (last !== undefined && sameAt(last, path, now));
    if (untouched && !isDeepStrictEqual(now, want)) set(path, want);
  }
  // JSON5 that needed no edit stays as the tenant wrote it, comments and all.
  if (existing.reformatted && !edited) {
    return { kind: 'merged', text: input.existing, restored, reformatted: false };
  }
  return { kind: 'merged', text, restored, reformatted: existing.reformatted };
}

function readConfig(text: string): { text: string; reformatted: boolean } | { reason: string } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  if (errors.length === 0) {
    return root?.type === 'object'
      ? { text, reformatted: false }
      : { reason: 'the top level is not an object' };
  }
  let value: unknown;
  try {
    value = JSON5.parse(text);
  } catch (err) {
    return { reason: (err as Error).message };
  }
  if (!isObject(value)) return { reason: 'the top level is not an object' };
  return { text: `${JSON.stringify(value, null, 2)}\n`, reformatted: true };
}

/** The record is AgentPod's own JSON; a record that no longer parses counts as none. */
function readLastApplied(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sameAt(root: unknown, path: string[], value: unknown): boolean {
  return isDeepStrictEqual(valueAt(root, path), value);
}

/** The value at `path` in the file's text; undefined when absent. */
function valueInFile(text: string, path: string[]): unknown {
  const root = parseTree(text, [], PARSE_OPTIONS);
  const node = root && findNodeAtLocation(root, path);
  return node ? getNodeValue(node) : undefined;
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const key of path) {
    if (!isObject(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/**
 * Sets `path` to `value`, creating missing parents; a parent that is there but not an object
 * (invalid for the agent anyway) is replaced by one, since jsonc-parser cannot add keys to it.
 */
function setValue(
  text: string,
  path: string[],
  value: unknown,
  options: ModificationOptions,
): string {
  const root = parseTree(text, [], PARSE_OPTIONS);
  for (let depth = 1; depth < path.length; depth++) {
    const parent = root && findNodeAtLocation(root, path.slice(0, depth));
    if (!parent) break;
    if (parent.type !== 'object') {
      const nested = path.slice(depth).reduceRight<unknown>((v, key) => ({ [key]: v }), value);
      return applyEdits(text, modify(text, path.slice(0, depth), nested, options));
    }
  }
  return applyEdits(text, modify(text, path, value, options));
}

/** New lines follow the file's own indentation and line ends (OpenClaw writes two spaces). */
function formattingOf(text: string): ModificationOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return {
    formattingOptions: {
      insertSpaces: !indent.startsWith('\t'),
      tabSize: indent.startsWith('\t') ? 1 : indent.length,
      eol: text.includes('\r\n') ? '\r\n' : '\n',
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
