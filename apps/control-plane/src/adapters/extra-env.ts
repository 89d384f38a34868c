// The `extraEnv` field every adapter's config has: variables the operator adds to the agent's
// environment, minus the ones the adapter sets itself, the ones that would carry secrets in plain
// text, and the ones that change which code the agent's runtime loads or where it looks for it.
import { z } from 'zod';

const LOADS_CODE = "changes how the agent's runtime loads code; not allowed in extraEnv";

/**
 * Variables that make a runtime, the dynamic linker or a shell load or run other code than the
 * image's: a value here would run in the agent and in every `docker exec` AgentPod makes into it
 * (device pairing), so an API write to a pod's config would become code execution. Kept: what
 * only tunes behaviour (NODE_ENV, TZ, NODE_EXTRA_CA_CERTS for an intercepting proxy's CA, which
 * trusts a certificate but runs nothing).
 */
const LOADER_NAMES = new Set([
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'PATH',
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'IFS',
  'PERL5LIB',
  'PERL5OPT',
  'PERLLIB',
  'RUBYLIB',
  'RUBYOPT',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'GCONV_PATH',
]);
/** Whole families: the dynamic linker's (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT), glibc's, Python's. */
const LOADER_PREFIXES = ['LD_', 'GLIBC_', 'MALLOC_', 'PYTHON'];

/** Why a name is refused, or undefined when it may be set. */
export function refusedEnvName(
  name: string,
  reserved: ReadonlySet<string>,
  why: string,
  reservedPrefixes: readonly string[] = [],
): string | undefined {
  if (LOADER_NAMES.has(name) || LOADER_PREFIXES.some((p) => name.startsWith(p))) {
    return `${name}: ${LOADS_CODE}`;
  }
  if (reserved.has(name)) return why;
  const prefix = reservedPrefixes.find((p) => name.startsWith(p));
  if (prefix)
    return `${name}: ${prefix}* variables are the agent's own settings, which AgentPod manages`;
  return undefined;
}

/**
 * `reserved` names (and any name starting with one of `reservedPrefixes`, the agent's own
 * namespace) are refused with `why`; values are bounded and hold no control character.
 */
export function extraEnvSchema(
  reserved: ReadonlySet<string>,
  why: string,
  reservedPrefixes: readonly string[] = [],
) {
  const name = z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');
  const value = z
    .string()
    .max(4096)
    // A line break would let a value spill into the next line or header of whatever the agent
    // writes it to (a request header, a config file): header injection. Tabs are fine.
    .refine(
      (v) => ![...v].some(isControl),
      'contains a control character (a line break or NUL); a value is one line of text',
    );
  // On the record, not the key: an issue there carries the variable's name as its path
  // (`config.extraEnv.NODE_OPTIONS`) and its own message, where a key's is "Invalid key".
  return z
    .record(name, value)
    .superRefine((env, ctx) => {
      for (const key of Object.keys(env)) {
        const refused = refusedEnvName(key, reserved, why, reservedPrefixes);
        if (refused) ctx.addIssue({ code: 'custom', path: [key], message: refused });
      }
    })
    .default({});
}

/**
 * The environment of commands AgentPod runs in a pod (`docker exec`): a known PATH and the
 * loader variables emptied, so nothing the container's environment says (a pod made before these
 * names were refused, an image's own ENV) changes which program runs or what it loads.
 */
export const EXEC_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  NODE_OPTIONS: '',
  NODE_PATH: '',
  LD_PRELOAD: '',
  LD_LIBRARY_PATH: '',
  LD_AUDIT: '',
  BASH_ENV: '',
  ENV: '',
  PYTHONPATH: '',
  PYTHONSTARTUP: '',
};

/** C0 controls but tab, and DEL. */
function isControl(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}
