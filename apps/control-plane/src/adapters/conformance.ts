// One suite every adapter must pass (like Hono's router suite): the rules the control plane
// relies on without knowing which agent it runs. Known gaps are listed, with a reason, in `skip`.
import {
  type AgentAdapter,
  configJsonSchema,
  isMergedFile,
  isSafeRelativePath,
  PodResources,
  type RenderablePod,
  type RenderContext,
} from '@agentpod/shared';
import { describe, expect, it } from 'vitest';
import { isPinnedImage } from './index.js';

export interface ConformanceOptions {
  skip?: { reason: string; tests: string[] }[];
  /** A config the adapter accepts; `{}` when every field has a default. */
  minimalConfig?: Record<string, unknown>;
}

interface Fixture {
  adapter: AgentAdapter;
  pod: RenderablePod;
  context: RenderContext;
  /** Distinctive values for every secret, to search the plan for. */
  secrets: Record<string, string>;
}

const ORIGIN = 'https://alice.agents.example.com';

function fixture(adapter: AgentAdapter, minimalConfig: Record<string, unknown>): Fixture {
  const names = [...adapter.secretFields, ...adapter.generatedSecrets];
  const secrets = Object.fromEntries(names.map((n) => [n, `sentinel-${n}-7f3a9c41`]));
  return {
    adapter,
    secrets,
    pod: {
      id: 'pod_0123456789abcdefghij',
      tenantId: 'ten_0123456789abcdefghij',
      subdomain: 'alice',
      image: null,
      config: minimalConfig,
    },
    context: {
      defaultImage: adapter.defaultImage,
      publicOrigin: ORIGIN,
      proxyAddresses: ['10.213.0.1/32'],
      secrets,
    },
  };
}

const render = ({ adapter, pod, context }: Fixture) =>
  adapter.render(structuredClone(pod), structuredClone(context));

const CHECKS: Record<string, (f: Fixture) => void> = {
  'declares a valid id, port and default resources': ({ adapter }) => {
    expect(adapter.id).toMatch(/^[a-z][a-z0-9-]{0,63}$/);
    expect(adapter.displayName.trim()).not.toBe('');
    expect(Number.isInteger(adapter.containerPort)).toBe(true);
    expect(adapter.containerPort).toBeGreaterThan(0);
    expect(adapter.containerPort).toBeLessThan(65_536);
    expect(PodResources.safeParse(adapter.defaultResources).success).toBe(true);
  },
  'pins its default image': ({ adapter }) => {
    expect(isPinnedImage(adapter.defaultImage), adapter.defaultImage).toBe(true);
  },
  'names its secrets uniquely': ({ adapter }) => {
    const names = [...adapter.secretFields, ...adapter.generatedSecrets];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/);
  },
  'renders the same plan for the same pod': (f) => {
    expect(render(f)).toStrictEqual(render(f));
  },
  'uses the context image unless the pod names one': (f) => {
    expect(render(f).image).toBe(f.context.defaultImage);
    const context = { ...f.context, defaultImage: 'registry.example.com/override:1.0' };
    expect(render({ ...f, context }).image).toBe(context.defaultImage);
    const pod = { ...f.pod, image: 'registry.example.com/own:2.0' };
    expect(render({ ...f, pod }).image).toBe(pod.image);
  },
  'runs as a non-root numeric user': (f) => {
    // Numeric, because a name could map to uid 0 inside some image.
    expect(render(f).user).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/);
  },
  'listens on its declared port': (f) => {
    expect(render(f).port).toBe(f.adapter.containerPort);
  },
  'mounts state at an absolute path': (f) => {
    const { stateMountPath } = render(f);
    expect(stateMountPath.startsWith('/')).toBe(true);
    expect(isSafeRelativePath(stateMountPath.slice(1)), stateMountPath).toBe(true);
  },
  'plans files with safe paths and private modes': (f) => {
    const { files } = render(f);
    expect(new Set(files.map((file) => file.path)).size).toBe(files.length);
    for (const file of files) {
      expect(isSafeRelativePath(file.path), file.path).toBe(true);
      // Readable by the owner; never executable, never writable by group or others.
      expect(file.mode & ~0o644, file.path).toBe(0);
      expect(file.mode & 0o400, file.path).toBe(0o400);
    }
  },
  'declares managed keys of merged files that its content renders': (f) => {
    for (const file of render(f).files.filter(isMergedFile)) {
      // The control plane reads the rendered content as strict JSON and applies these keys.
      const content = JSON.parse(file.content) as unknown;
      expect(typeof content === 'object' && content !== null && !Array.isArray(content)).toBe(true);
      const paths = [...(file.ownedPaths ?? []), ...(file.defaultPaths ?? [])];
      for (const [index, path] of paths.entries()) {
        expect(path.length, file.path).toBeGreaterThan(0);
        let value: unknown = content;
        for (const key of path) {
          expect(key, file.path).not.toBe('');
          value = (value as Record<string, unknown> | undefined)?.[key];
        }
        expect(value, `${file.path}: ${path.join('.')}`).toBeDefined();
        // One key managed once: neither a duplicate nor a key inside another managed one.
        const overlaps = paths.filter(
          (other, i) => i !== index && path.every((key, depth) => other[depth] === key),
        );
        expect(overlaps, `${file.path}: ${path.join('.')}`).toEqual([]);
      }
    }
  },
  'leaves .agentpod/ in the state volume to the control plane': (f) => {
    for (const { path } of render(f).files) expect(path.startsWith('.agentpod/'), path).toBe(false);
  },
  'keeps secrets out of labels, command and files': (f) => {
    const { image, command, labels, files, user, workingDir, stateMountPath } = render(f);
    const visible = JSON.stringify({
      image,
      command,
      labels,
      files,
      user,
      workingDir,
      stateMountPath,
    });
    for (const [name, value] of Object.entries(f.secrets)) {
      expect(visible.includes(value), `secret ${name} leaked`).toBe(false);
    }
  },
  'passes generated secrets in the environment': (f) => {
    const values = Object.values(render(f).env);
    for (const name of f.adapter.generatedSecrets) {
      expect(values, name).toContain(f.secrets[name]);
    }
  },
  'refuses to render without its generated secrets': (f) => {
    for (const name of f.adapter.generatedSecrets) {
      const { [name]: _missing, ...secrets } = f.secrets;
      expect(() => render({ ...f, context: { ...f.context, secrets } }), name).toThrow(name);
    }
  },
  'sets only valid environment variable names': (f) => {
    for (const name of Object.keys(render(f).env)) expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
  },
  'leaves agentpod.* labels to the control plane': (f) => {
    for (const key of Object.keys(render(f).labels))
      expect(key.startsWith('agentpod.'), key).toBe(false);
  },
  'declares probes the control plane can run': ({ adapter }) => {
    for (const probe of Object.values(adapter.probes)) {
      expect(probe.path).toMatch(/^\/[^\s]*$/);
      expect(probe.expectStatus).toBeGreaterThanOrEqual(200);
      expect(probe.expectStatus).toBeLessThan(300);
      expect(probe.initialDelayMs).toBeGreaterThanOrEqual(0);
      expect(probe.timeoutMs).toBeGreaterThan(0);
      expect(probe.timeoutMs).toBeLessThanOrEqual(probe.intervalMs);
      expect(Number.isInteger(probe.failureThreshold) && probe.failureThreshold >= 1).toBe(true);
      if (probe.startupTimeoutMs !== undefined)
        expect(probe.startupTimeoutMs).toBeGreaterThanOrEqual(probe.initialDelayMs);
      if (probe.startupIntervalMs !== undefined) {
        expect(probe.startupIntervalMs).toBeGreaterThan(0);
        expect(probe.startupIntervalMs).toBeLessThanOrEqual(probe.intervalMs);
      }
    }
  },
  'renders its config form as JSON Schema': ({ adapter }) => {
    expect(configJsonSchema(adapter)).toMatchObject({ type: 'object' });
  },
  'accepts a minimal config': ({ adapter, pod }) => {
    expect(adapter.configSchema.safeParse(pod.config).success).toBe(true);
  },
  'rejects unknown config keys': ({ adapter, pod }) => {
    const config = { ...pod.config, agentpodUnknownKey: true };
    expect(adapter.configSchema.safeParse(config).success).toBe(false);
  },
  'declares capabilities that match its optional members': ({ adapter }) => {
    expect(adapter.capabilities.accessLink).toBe(typeof adapter.accessUrl === 'function');
    expect(adapter.capabilities.devicePairing).toBe(adapter.devicePairing !== undefined);
  },
};

/** Only meaningful for adapters that declare the capability; reported as skipped otherwise. */
const ACCESS_LINK_CHECKS: Record<string, (f: Fixture) => void> = {
  'builds access links on the public origin': ({ adapter, secrets }) => {
    const url = adapter.accessUrl?.(ORIGIN, secrets) ?? '';
    expect(url.startsWith(`${ORIGIN}/`), url).toBe(true);
  },
};

const PAIRING_CHECKS: Record<string, (f: Fixture) => void> = {
  'builds device pairing commands as argument lists': ({ adapter }) => {
    const pairing = adapter.devicePairing;
    const id = '0f6c2a8e-3b1d-4c55-9e7a-1d2b3c4d5e6f';
    for (const command of [
      pairing?.listCommand(),
      pairing?.approveCommand(id),
      pairing?.rejectCommand(id),
    ]) {
      expect(command?.length).toBeGreaterThan(0);
    }
    // The id is one whole argument, so no shell ever splits or interprets it.
    expect(pairing?.approveCommand(id)).toContain(id);
    expect(pairing?.rejectCommand(id)).toContain(id);
  },
  'refuses request ids that would read as options': ({ adapter }) => {
    expect(() => adapter.devicePairing?.approveCommand('--latest')).toThrow();
    expect(() => adapter.devicePairing?.rejectCommand('-h')).toThrow();
  },
  'rejects unreadable device list output': ({ adapter }) => {
    expect(() => adapter.devicePairing?.parseList('Error: gateway closed (1006)')).toThrow();
  },
};

// --- secrets shown once, settings seeded at first start ---------------------------------------
const DECLARATION_CHECKS: Record<string, (f: Fixture) => void> = {
  'reveals only secrets it generates': ({ adapter }) => {
    // Operator-set secrets are never shown back; only generated ones can be revealed, once.
    for (const name of adapter.revealedSecrets ?? []) {
      expect(adapter.generatedSecrets, name).toContain(name);
    }
  },
  'seeds only settings it has': ({ adapter }) => {
    const seeded = adapter.seededAtFirstStart;
    if (!seeded) return;
    const properties = Object.keys(
      (configJsonSchema(adapter).properties ?? {}) as Record<string, unknown>,
    );
    for (const key of seeded.config) expect(properties, key).toContain(key);
    const secrets = [...adapter.secretFields, ...adapter.generatedSecrets];
    for (const name of seeded.secrets) expect(secrets, name).toContain(name);
    expect(seeded.changeIn.trim()).not.toBe('');
  },
};

export const CONFORMANCE_TESTS = [
  ...Object.keys(CHECKS),
  ...Object.keys(DECLARATION_CHECKS),
  ...Object.keys(ACCESS_LINK_CHECKS),
  ...Object.keys(PAIRING_CHECKS),
];

export function describeAdapterConformance(
  adapter: AgentAdapter,
  { skip = [], minimalConfig = {} }: ConformanceOptions = {},
): void {
  const skipped = new Set(skip.flatMap((s) => s.tests));
  for (const name of skipped) {
    // A misspelt skip would otherwise leave the real test running and the list lying.
    if (!CONFORMANCE_TESTS.includes(name)) throw new Error(`no conformance test named "${name}"`);
  }
  const f = fixture(adapter, minimalConfig);
  // Checks of a power the adapter does not declare are not its tests at all (the declaration
  // checks hold it to not having the hooks); only a listed known gap shows as skipped.
  const register = (checks: Record<string, (f: Fixture) => void>, applies: boolean) => {
    if (!applies) return;
    for (const [name, check] of Object.entries(checks)) {
      it.skipIf(skipped.has(name))(name, () => check(f));
    }
  };
  describe(`adapter conformance: ${adapter.id}`, () => {
    register(CHECKS, true);
    register(DECLARATION_CHECKS, true);
    register(ACCESS_LINK_CHECKS, adapter.capabilities.accessLink);
    register(PAIRING_CHECKS, adapter.capabilities.devicePairing);
  });
}
