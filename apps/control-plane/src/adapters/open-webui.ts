// Open WebUI as a pod. Every variable here was read in open-webui v0.10.2 (the pinned image):
// backend/open_webui/env.py, config.py, main.py (the lifespan), its Dockerfile and start.sh.
//
// How a config change reaches a running pod. Most of what the form sets (connections, the
// default role) is PersistentConfig in Open WebUI: config.py's DEFAULT_CONFIG seeds its database
// from the environment on the first start (Config.seed_defaults inserts missing keys only), and
// from then on the database wins and the variable is ignored. The first admin is created from
// WEBUI_ADMIN_* only while no user exists. So those fields are *seeded at first start*: the
// form's JSON Schema says so, and a PATCH that changes one is refused (`seeded_at_first_start`,
// 409) instead of recreating a container that would silently keep the old value; the tenant's
// admin changes them in Open WebUI's Admin Panel. ENABLE_PERSISTENT_CONFIG=false would make the
// environment win again, but then every change made in the Admin Panel is lost on restart.
// Everything else (extraEnv that is not PersistentConfig, CORS_ALLOW_ORIGIN, the proxy address,
// the image) is read on every start: a PATCH recreates the container and the volume is kept.
// WEBUI_URL is PersistentConfig as well: it follows a new base domain only through the panel.
import type { AgentAdapter, ContainerPlan, RenderablePod, RenderContext } from '@agentpod/shared';
import { z } from 'zod';
import { extraEnvSchema } from './extra-env.js';

const PORT = 8080;
/**
 * The official image is built with UID=0 (its Dockerfile's default; "non-root configurations are
 * untested") and everything in it, /app/backend/data included, belongs to root. AgentPod runs
 * agents as a numeric non-root user with no capabilities, so it cannot write root's folders:
 * Open WebUI's DATA_DIR is a folder inside the state volume that the planned file below creates
 * owned by this user. The rest of the volume keeps what the image shipped in /app/backend/data
 * (the embedding and speech model caches HF_HOME etc. point at), readable as before.
 */
const USER = '1000:1000';
const STATE_MOUNT = '/app/backend/data';
const DATA_FOLDER = 'open-webui';
const DATA_DIR = `${STATE_MOUNT}/${DATA_FOLDER}`;
const CHANGE_IN = "Open WebUI's Admin Panel (Settings)";
const SEEDED = `Seeded at the first start: Open WebUI keeps its own value afterwards, so a later change is refused; change it in ${CHANGE_IN}.`;

/**
 * Set by AgentPod, or moving state out of the volume, or undoing the seeding contract above.
 * ENABLE_SIGNUP is fixed: Open WebUI itself turns sign-up off once it has created the first
 * admin from WEBUI_ADMIN_* (main.py), so a value here could never take effect.
 */
const RESERVED_ENV = new Set<string>([
  'CORS_ALLOW_ORIGIN',
  'DATA_DIR',
  'DATABASE_URL',
  'DEFAULT_USER_ROLE',
  'ENABLE_OLLAMA_API',
  'ENABLE_OPENAI_API',
  'ENABLE_PERSISTENT_CONFIG',
  'ENABLE_SIGNUP',
  'FORWARDED_ALLOW_IPS',
  'HOME',
  'OLLAMA_API_BASE_URL',
  'OLLAMA_BASE_URL',
  'OLLAMA_BASE_URLS',
  'OPENAI_API_BASE_URL',
  'OPENAI_API_BASE_URLS',
  'OPENAI_API_KEY',
  'OPENAI_API_KEYS',
  'PORT',
  'RESET_CONFIG_ON_START',
  'WEBUI_ADMIN_EMAIL',
  'WEBUI_ADMIN_NAME',
  'WEBUI_ADMIN_PASSWORD',
  'WEBUI_AUTH',
  'WEBUI_JWT_SECRET_KEY',
  'WEBUI_SECRET_KEY',
  'WEBUI_SECRET_KEY_FILE',
  'WEBUI_SESSION_COOKIE_SECURE',
  'WEBUI_URL',
]);

/** Lists travel `;`-separated (OPENAI_API_BASE_URLS), so a `;` would split one URL in two. */
const BaseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .refine((url) => !url.includes(';'), 'must not contain ;')
  .transform((url) => url.replace(/\/+$/, ''));

/** Open WebUI's own rule (utils/misc.py validate_email_format): `@localhost` or a dotted domain. */
const Email = z
  .string()
  .max(254)
  .regex(/^[^@\s;]+@(localhost|[^@\s;]+\.[^@\s;]+)$/, 'must be an e-mail address')
  .transform((email) => email.toLowerCase());

export const OpenWebUIConfig = z.strictObject({
  openaiBaseUrls: z
    .array(BaseUrl)
    .max(16)
    .default(['https://api.openai.com/v1'])
    .describe(
      `OpenAI-compatible API base URLs; their keys go in the openaiApiKeys secret, ;-separated in the same order. Empty: the OpenAI API is off. ${SEEDED}`,
    ),
  ollamaBaseUrl: BaseUrl.optional().describe(
    `An Ollama server, e.g. http://ollama.internal:11434; without one the Ollama API is off. ${SEEDED}`,
  ),
  defaultUserRole: z
    .enum(['pending', 'user', 'admin'])
    .default('pending')
    .describe(
      `Role of accounts that sign up; pending ones wait for an admin. Sign-up starts off (Open WebUI turns it off when it creates the first admin). ${SEEDED}`,
    ),
  adminEmail: Email.default('admin@localhost').describe(
    `The first admin's e-mail, their login; the password is generated and shown once. ${SEEDED}`,
  ),
  adminName: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .default('Admin')
    .describe(`The first admin's display name. ${SEEDED}`),
  extraEnv: extraEnvSchema(
    RESERVED_ENV,
    'is set by AgentPod or would move state or secrets',
  ).describe(
    'Extra environment variables for Open WebUI. Those it marks PersistentConfig are read on the first start only.',
  ),
});
export type OpenWebUIConfig = z.output<typeof OpenWebUIConfig>;

/** uvicorn's --forwarded-allow-ips takes plain addresses; a host route is just its address. */
function plainAddress(cidr: string): string {
  return cidr.replace(/\/(32|128)$/, '');
}

/** Aligned with the URLs as Open WebUI aligns them (routers/openai.py pads with ''). */
function alignedKeys(podId: string, urls: string[], keys: string | undefined): string[] {
  const given = keys === undefined ? [] : keys.split(';').map((k) => k.trim());
  if (given.length > urls.length) {
    // Open WebUI would drop the extra keys without a word; a miscounted list is a mistake.
    throw new Error(
      `pod ${podId}: openaiApiKeys has ${given.length} keys for ${urls.length} openaiBaseUrls`,
    );
  }
  return urls.map((_, i) => given[i] ?? '');
}

function required(podId: string, secrets: Record<string, string>, name: string): string {
  const value = secrets[name];
  if (!value) throw new Error(`pod ${podId} has no ${name} secret; it must be generated first`);
  return value;
}

function render(pod: RenderablePod, context: RenderContext): ContainerPlan {
  const parsed = OpenWebUIConfig.safeParse(pod.config);
  if (!parsed.success) {
    throw new Error(
      `pod ${pod.id} has an invalid Open WebUI config: ${z.prettifyError(parsed.error)}`,
    );
  }
  const config = parsed.data;
  const { secrets } = context;
  const origin = new URL(context.publicOrigin).origin;
  const urls = config.openaiBaseUrls;
  const env: Record<string, string> = {
    ...config.extraEnv,
    DATA_DIR,
    // The image's HOME (/root) is root's alone; caches written under ~ land in the volume.
    HOME: DATA_DIR,
    PORT: String(PORT),
    // Without it start.sh writes a generated key next to the code, outside the volume.
    WEBUI_SECRET_KEY: required(pod.id, secrets, 'secretKey'),
    WEBUI_ADMIN_EMAIL: config.adminEmail,
    WEBUI_ADMIN_NAME: config.adminName,
    WEBUI_ADMIN_PASSWORD: required(pod.id, secrets, 'adminPassword'),
    ENABLE_SIGNUP: 'false',
    DEFAULT_USER_ROLE: config.defaultUserRole,
    // The browser's origin: links Open WebUI builds, CORS and the socket.io handshake's Origin.
    WEBUI_URL: origin,
    CORS_ALLOW_ORIGIN: origin,
    WEBUI_SESSION_COOKIE_SECURE: String(origin.startsWith('https:')),
    // Only the proxy may set X-Forwarded-For/-Proto (start.sh would trust anyone: `*`).
    FORWARDED_ALLOW_IPS: context.proxyAddresses.map(plainAddress).join(','),
    ENABLE_OPENAI_API: String(urls.length > 0),
    ...(urls.length > 0 && {
      OPENAI_API_BASE_URLS: urls.join(';'),
      OPENAI_API_KEYS: alignedKeys(pod.id, urls, secrets.openaiApiKeys).join(';'),
    }),
    // Unset, the image's default makes Open WebUI probe host.docker.internal:11434.
    ENABLE_OLLAMA_API: String(config.ollamaBaseUrl !== undefined),
    ...(config.ollamaBaseUrl && { OLLAMA_BASE_URL: config.ollamaBaseUrl }),
  };
  return {
    image: pod.image ?? context.defaultImage,
    // The image's own CMD (`bash start.sh`), which runs uvicorn with FORWARDED_ALLOW_IPS.
    command: [],
    // Code-point order, not locale order: the plan's hash must not depend on the host's locale.
    env: Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))),
    user: USER,
    stateMountPath: STATE_MOUNT,
    // No `filesystem` (read-only root): the real image could not be run here, and v0.10.2's
    // start.sh and config.py write beside the code (a .webui_secret_key fallback, static files
    // copied at start); which paths it needs is unverified, so its root stays writable.
    files: [
      {
        // Its parent folder is created owned by USER: that is what makes DATA_DIR writable.
        path: `${DATA_FOLDER}/README.agentpod`,
        content: `Open WebUI's DATA_DIR (${DATA_DIR}) of AgentPod pod ${pod.id}: its database, uploads and caches. AgentPod makes this folder owned by ${USER}, the user Open WebUI runs as.\n`,
        mode: 0o644,
      },
    ],
    labels: {},
    port: PORT,
  };
}

export const openWebUI: AgentAdapter<OpenWebUIConfig> = {
  id: 'open-webui',
  displayName: 'Open WebUI',
  defaultImage: 'ghcr.io/open-webui/open-webui:v0.10.2',
  configSchema: OpenWebUIConfig,
  secretFields: ['openaiApiKeys'],
  // Generated: base64url of 32 random bytes, 43 characters, inside bcrypt's 72-byte limit.
  generatedSecrets: ['secretKey', 'adminPassword'],
  revealedSecrets: ['adminPassword'],
  seededAtFirstStart: {
    config: ['openaiBaseUrls', 'ollamaBaseUrl', 'defaultUserRole', 'adminEmail', 'adminName'],
    secrets: ['openaiApiKeys'],
    changeIn: CHANGE_IN,
  },
  containerPort: PORT,
  probes: {
    // {"status": true} as soon as uvicorn serves; the first start runs migrations and loads the
    // embedding model first, hence the long grace.
    liveness: {
      path: '/health',
      expectStatus: 200,
      initialDelayMs: 120_000,
      // The same timing as OpenClaw's, for the reasons given there (adapters/openclaw.ts).
      intervalMs: 30_000,
      startupIntervalMs: 1_000,
      timeoutMs: 5_000,
      failureThreshold: 3,
      startupTimeoutMs: 600_000,
    },
    // 503 until start-up has finished and the database answers.
    readiness: {
      path: '/ready',
      expectStatus: 200,
      initialDelayMs: 120_000,
      intervalMs: 10_000,
      timeoutMs: 5_000,
      failureThreshold: 3,
    },
  },
  defaultResources: { memoryMb: 2048, cpus: 1, pidsLimit: 512 },
  capabilities: { devicePairing: false, accessLink: true },
  render,
  accessLinkNote:
    "Open WebUI's login page: sign in with the first admin's e-mail and the password shown when the pod was created",
  accessUrl(publicOrigin) {
    // No token: Open WebUI has its own login (the first admin's credentials were shown once).
    return `${new URL(publicOrigin).origin}/`;
  },
};
