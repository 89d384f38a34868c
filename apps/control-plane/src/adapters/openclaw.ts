// The OpenClaw gateway as a pod. Every key and command here was checked against openclaw
// 2026.9.6 (the pinned image): its `openclaw config schema`, its docs, and a real gateway.
import type {
  AgentAdapter,
  AgentDevice,
  AgentFilesystem,
  ContainerPlan,
  DeviceList,
  RenderablePod,
  RenderContext,
} from '@agentpod/shared';
import { z } from 'zod';
import { extraEnvSchema } from './extra-env.js';

const PORT = 18789;
/** The official image's `node` user and its home; the state folder is the gateway's default. */
const USER = '1000:1000';
const HOME = '/home/node';
const STATE_DIR = `${HOME}/.openclaw`;
const CONFIG_FILE = 'openclaw.json';
/** The keys of `gateway` that AgentPod renders; the tenant may set any other. */
const GATEWAY_KEYS = [
  ['gateway', 'mode'],
  ['gateway', 'bind'],
  ['gateway', 'port'],
  ['gateway', 'auth', 'mode'],
  ['gateway', 'trustedProxies'],
  ['gateway', 'controlUi', 'allowedOrigins'],
];
const PRIMARY_MODEL = ['agents', 'defaults', 'model', 'primary'];
/**
 * What the gateway writes outside its state folder, seen with `docker diff` on 2026.9.6 after a
 * start, `gateway health` and `devices list`: /tmp (its daily log in /tmp/openclaw, ~13 MB of
 * Node compile cache, sqlite lock files, a terminal staging folder) and ~/.cache. $HOME is a
 * tmpfs whole, so tools that write other dot-folders there keep working; the state volume is
 * mounted inside it. Everything else, the image's code included, is read-only.
 */
const FILESYSTEM: AgentFilesystem = {
  readOnlyRoot: true,
  tmpfs: [
    { path: '/tmp', sizeMb: 256, mode: 0o1777 },
    { path: HOME, sizeMb: 64, mode: 0o755 },
  ],
};

/**
 * The providers the config form offers: the variable each reads its API key from, and the
 * model OpenClaw's own onboarding picks for it (model refs are `provider/model`).
 */
const PROVIDERS = {
  anthropic: { keyEnv: 'ANTHROPIC_API_KEY', defaultModel: 'anthropic/claude-opus-5' },
  openai: { keyEnv: 'OPENAI_API_KEY', defaultModel: 'openai/gpt-6-astra' },
  google: { keyEnv: 'GEMINI_API_KEY', defaultModel: 'google/gemini-3.1-pro-preview' },
  openrouter: { keyEnv: 'OPENROUTER_API_KEY', defaultModel: 'openrouter/auto' },
  mistral: { keyEnv: 'MISTRAL_API_KEY', defaultModel: 'mistral/mistral-large-latest' },
} as const;
type Provider = keyof typeof PROVIDERS;
const PROVIDER_IDS = Object.keys(PROVIDERS) as [Provider, ...Provider[]];

/**
 * Variables AgentPod sets or that would move the gateway's state out of its volume, and API
 * keys, which are secrets: `pod.config` is stored in plain text, so they go in `providerApiKey`.
 */
const RESERVED_ENV = new Set<string>([
  'HOME',
  'OPENCLAW_GATEWAY_TOKEN',
  'OPENCLAW_HOME',
  'OPENCLAW_STATE_DIR',
  'OPENCLAW_CONFIG_PATH',
  'OPENCLAW_WORKSPACE_DIR',
  ...Object.values(PROVIDERS).map((p) => p.keyEnv),
]);

export const OpenClawConfig = z
  .strictObject({
    provider: z.enum(PROVIDER_IDS).default('anthropic').describe('Model provider'),
    model: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*\/\S+$/, 'must be provider/model, e.g. anthropic/claude-opus-5')
      .optional()
      .describe("Primary model; defaults to the provider's recommended model"),
    // OPENCLAW_*: the gateway's own settings (state dir, token, insecure-WebSocket switches).
    extraEnv: extraEnvSchema(RESERVED_ENV, 'is set by AgentPod or is a secret', [
      'OPENCLAW_',
    ]).describe('Extra environment variables for the gateway'),
  })
  .superRefine((config, ctx) => {
    // The key in the environment serves one provider; a model from another would fail on use.
    if (config.model && !config.model.startsWith(`${config.provider}/`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: `must be a ${config.provider}/… model to match the provider`,
      });
    }
  });
export type OpenClawConfig = z.output<typeof OpenClawConfig>;

function render(pod: RenderablePod, context: RenderContext): ContainerPlan {
  const parsed = OpenClawConfig.safeParse(pod.config);
  if (!parsed.success) {
    throw new Error(
      `pod ${pod.id} has an invalid OpenClaw config: ${z.prettifyError(parsed.error)}`,
    );
  }
  const config = parsed.data;
  const token = context.secrets.gatewayToken;
  if (!token) {
    // Without it the gateway would invent a token nobody knows, and no one could sign in.
    throw new Error(`pod ${pod.id} has no gatewayToken secret; it must be generated before render`);
  }
  const provider = PROVIDERS[config.provider];
  const apiKey = context.secrets.providerApiKey;
  const env: Record<string, string> = {
    ...config.extraEnv,
    HOME,
    OPENCLAW_STATE_DIR: STATE_DIR,
    OPENCLAW_CONFIG_PATH: `${STATE_DIR}/${CONFIG_FILE}`,
    // Secrets travel only in the environment: the gateway reads its token from here, so the
    // config file and labels never hold one.
    OPENCLAW_GATEWAY_TOKEN: token,
    ...(apiKey ? { [provider.keyEnv]: apiKey } : {}),
  };
  const settings = {
    gateway: {
      mode: 'local',
      // Reachable on the pod network by the reverse proxy; auth stays on.
      bind: 'lan',
      port: PORT,
      auth: { mode: 'token' },
      // Without these the gateway refuses proxied WebSocket upgrades (proxy_attribution_required)
      // and closes browsers from other origins.
      trustedProxies: [...context.proxyAddresses],
      controlUi: { allowedOrigins: [new URL(context.publicOrigin).origin] },
    },
    agents: { defaults: { model: { primary: config.model ?? provider.defaultModel } } },
  };
  return {
    image: pod.image ?? context.defaultImage,
    // Both the official image (a /usr/local/bin/openclaw symlink, tini entrypoint) and the test
    // image (a wrapper at the same path) run this; bind and port come from the config file.
    command: ['openclaw', 'gateway', 'run'],
    // Code-point order, not locale order: the plan's hash must not depend on the host's locale.
    env: Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))),
    user: USER,
    stateMountPath: STATE_DIR,
    filesystem: FILESYSTEM,
    files: [
      {
        path: CONFIG_FILE,
        content: `${JSON.stringify(settings, null, 2)}\n`,
        mode: 0o600,
        // The tenant's channels, skills, agents and models live in the same file and must
        // survive every start; AgentPod owns only what keeps the pod reachable behind the proxy,
        // and the model only when the operator chose one.
        ownedPaths: config.model ? [...GATEWAY_KEYS, PRIMARY_MODEL] : GATEWAY_KEYS,
        defaultPaths: config.model ? [] : [PRIMARY_MODEL],
      },
    ],
    labels: {},
    port: PORT,
  };
}

/** Request ids are UUIDs; anything starting with `-` would be read as an option. */
function requestIdArg(requestId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(requestId)) {
    throw new Error(`not an OpenClaw pairing request id: ${JSON.stringify(requestId)}`);
  }
  return requestId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** OpenClaw stamps pairing records in epoch milliseconds. */
function isoTime(...candidates: unknown[]): string | null {
  for (const value of candidates) {
    if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  }
  return null;
}

function toDevice(entry: unknown, list: 'pending' | 'paired'): AgentDevice {
  if (!isRecord(entry) || !text(entry.deviceId)) {
    throw new Error(`openclaw devices list: a ${list} entry has no deviceId`);
  }
  const scopes = Array.isArray(entry.scopes)
    ? entry.scopes.filter((s) => typeof s === 'string')
    : [];
  return {
    requestId: list === 'pending' ? text(entry.requestId) : null,
    deviceId: entry.deviceId as string,
    clientId: text(entry.clientId),
    platform: text(entry.platform),
    scopes,
    at:
      list === 'pending'
        ? isoTime(entry.ts)
        : isoTime(entry.approvedAtMs, entry.createdAtMs, entry.ts),
  };
}

function entries(data: Record<string, unknown>, key: 'pending' | 'paired'): unknown[] {
  const value = data[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`openclaw devices list: "${key}" is not a list`);
  return value;
}

/** Parses `openclaw devices list --json`: `{ pending: [...], paired: [...] }`. */
function parseDeviceList(stdout: string): DeviceList {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new Error(`openclaw devices list did not print JSON: ${stdout.trim().slice(0, 200)}`);
  }
  if (!isRecord(data)) throw new Error('openclaw devices list printed JSON that is not an object');
  return {
    pending: entries(data, 'pending').map((e) => toDevice(e, 'pending')),
    paired: entries(data, 'paired').map((e) => toDevice(e, 'paired')),
  };
}

export const openclaw: AgentAdapter<OpenClawConfig> = {
  id: 'openclaw',
  displayName: 'OpenClaw',
  defaultImage: 'ghcr.io/openclaw/openclaw:2026.9.6',
  configSchema: OpenClawConfig,
  secretFields: ['providerApiKey'],
  generatedSecrets: ['gatewayToken'],
  containerPort: PORT,
  probes: {
    // The gateway answers in 10-20 s on a quiet 2-core host and took over 100 s with other
    // gateways starting beside it: until its first answer, five minutes before failures count.
    liveness: {
      path: '/healthz',
      expectStatus: 200,
      initialDelayMs: 15_000,
      // Every second until it first answers, so it is routable within a second of that; then
      // every 30 s, Docker's HEALTHCHECK default: a dead container is seen at once from Docker's
      // events, and this only catches a hung agent (3 failures: 60-90 s). A probe costs the
      // control plane ~0.3 ms of CPU, so at a thousand pods 10 s would be 3% of a core alone
      // (docs/performance.md). AGENTPOD_PROBE_INTERVAL_MS sets another interval.
      intervalMs: 30_000,
      startupIntervalMs: 1_000,
      timeoutMs: 5_000,
      failureThreshold: 3,
      startupTimeoutMs: 300_000,
    },
    // /startupz, not /readyz: OpenClaw's docs advise it for traffic admission because /readyz
    // also fails on a broken channel account, which would cut the tenant off from the Control
    // UI they need to fix it. Neither needs a model key (both answered 200 without one).
    readiness: {
      path: '/startupz',
      expectStatus: 200,
      initialDelayMs: 15_000,
      intervalMs: 10_000,
      timeoutMs: 5_000,
      failureThreshold: 3,
    },
  },
  defaultResources: { memoryMb: 2048, cpus: 1, pidsLimit: 512 },
  capabilities: { devicePairing: true, accessLink: true },
  render,
  accessUrl(publicOrigin, secrets) {
    const token = secrets.gatewayToken;
    if (!token) throw new Error('no gatewayToken secret to build the access link from');
    // The Control UI reads `#token=`; a fragment never reaches request logs or Referer headers.
    return `${new URL(publicOrigin).origin}/#token=${encodeURIComponent(token)}`;
  },
  devicePairing: {
    // The CLI in the container reaches the gateway on loopback with OPENCLAW_GATEWAY_TOKEN.
    listCommand: () => ['openclaw', 'devices', 'list', '--json'],
    parseList: parseDeviceList,
    approveCommand: (requestId) => ['openclaw', 'devices', 'approve', requestIdArg(requestId)],
    rejectCommand: (requestId) => ['openclaw', 'devices', 'reject', requestIdArg(requestId)],
  },
};
