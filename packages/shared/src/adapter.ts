import { z } from 'zod';
import type { Pod, PodResources } from './pod.js';

/** An HTTP probe against the agent's container port. */
export interface HttpProbe {
  path: string;
  /** The status a healthy agent answers with. */
  expectStatus: number;
  /** How long the agent may take to start before failures count. */
  initialDelayMs: number;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures before the probe is considered failed. */
  failureThreshold: number;
  /**
   * Until the agent has answered once, its failures do not count for this long after the
   * container started (Kubernetes' startup probe): a slow first boot on a busy host is not a
   * reason to kill it. Once it has answered, `failureThreshold` alone decides. Defaults to
   * `initialDelayMs`.
   */
  startupTimeoutMs?: number;
  /**
   * How often to probe until the agent first answers (defaults to `intervalMs`). Short, so that a
   * pod is healthy and routable within about this long of its agent answering; once it has
   * answered, `intervalMs` applies, and a restarted container starts over here.
   */
  startupIntervalMs?: number;
}

/** Optional powers an adapter may declare; callers check them before use. */
export interface AdapterCapabilities {
  /** The agent pairs browser devices and AgentPod can list/approve/reject them. */
  devicePairing: boolean;
  /** The agent serves a web UI that an access link can open. */
  accessLink: boolean;
}

/** A file the adapter wants in the pod's state volume before the container starts. */
export interface PlannedFile {
  /** Path relative to the state volume's root; no `..`, no leading `/`. */
  path: string;
  content: string;
  /** Octal file mode, e.g. 0o600. */
  mode: number;
  /**
   * For a JSON (or JSON5) config the agent and its tenant edit too: the key paths of `content`
   * AgentPod manages, e.g. `[['gateway', 'bind']]`. Each is applied to the file already in the
   * volume, anything else there is kept, and a tenant's change to one is put back. Without
   * `ownedPaths` or `defaultPaths` the file is replaced whole on every start.
   */
  ownedPaths?: string[][];
  /**
   * Defaults from `content` that are the tenant's to change: written while the key is absent,
   * and updated only while it still holds the value AgentPod wrote last.
   */
  defaultPaths?: string[][];
}

/** Whether a planned file is merged into the existing one rather than replacing it. */
export function isMergedFile(file: PlannedFile): boolean {
  return file.ownedPaths !== undefined || file.defaultPaths !== undefined;
}

/** Everything needed to create the pod's container. Pure data: no Docker types. */
export interface ContainerPlan {
  image: string;
  command: string[];
  env: Record<string, string>;
  /** `uid:gid` the agent runs as; never root. */
  user: string;
  workingDir?: string;
  /** Where the pod's state volume is mounted inside the container. */
  stateMountPath: string;
  files: PlannedFile[];
  labels: Record<string, string>;
  /** The port the agent listens on inside the container. */
  port: number;
  /**
   * A read-only root filesystem, where the agent allows it: the scratch paths it writes outside
   * its state volume (logs, caches, locks, $HOME) become size-limited tmpfs mounts instead.
   * Without it the root filesystem stays writable.
   */
  filesystem?: AgentFilesystem;
}

/** A memory-backed scratch path: emptied at every start, charged to the pod's memory limit. */
export interface ScratchMount {
  /** Absolute path inside the container. */
  path: string;
  sizeMb: number;
  /** Octal mode of the mount's root, e.g. 0o1777 for /tmp. It is owned by the pod's user. */
  mode: number;
}

export interface AgentFilesystem {
  readOnlyRoot: true;
  tmpfs: ScratchMount[];
}

/** What `render` knows besides the pod itself. Secrets arrive decrypted, only here. */
export interface RenderContext {
  /** The image to use when the pod does not name one: the installation's override or the adapter default. */
  defaultImage: string;
  /** `https://alice.agents.example.com` */
  publicOrigin: string;
  /** Addresses of the reverse proxy as the pod sees them (CIDR). */
  proxyAddresses: string[];
  /** Decrypted secret values by name. */
  secrets: Record<string, string>;
}

/** A browser or app waiting to be paired with the agent, or already paired. */
export interface AgentDevice {
  /** For pending requests: the id to approve or reject. */
  requestId: string | null;
  deviceId: string;
  clientId: string | null;
  platform: string | null;
  scopes: string[];
  /** When the request was made or the device paired (ISO 8601). */
  at: string | null;
}

export interface DeviceList {
  pending: AgentDevice[];
  paired: AgentDevice[];
}

/**
 * Device pairing through the agent's own CLI inside its container: the adapter builds the
 * commands and parses their output; the control plane runs them (exec).
 */
export interface DevicePairing {
  listCommand(): string[];
  parseList(stdout: string): DeviceList;
  approveCommand(requestId: string): string[];
  rejectCommand(requestId: string): string[];
}

export type RenderablePod = Pick<Pod, 'id' | 'tenantId' | 'subdomain' | 'image' | 'config'>;

export interface AgentAdapter<Config extends Record<string, unknown> = Record<string, unknown>> {
  /** Stable id stored in `pods.agent_type`, e.g. `openclaw`. */
  readonly id: string;
  readonly displayName: string;
  /** A pinned image reference, never `latest`. */
  readonly defaultImage: string;
  /** Validates `pod.config`; also rendered as JSON Schema for the dashboard's form. */
  readonly configSchema: z.ZodType<Config>;
  /** Names of the secrets the operator may set (validated on write, never shown back). */
  readonly secretFields: readonly string[];
  /** Secrets the control plane generates once per pod (e.g. a gateway token). */
  readonly generatedSecrets: readonly string[];
  readonly containerPort: number;
  readonly probes: { liveness: HttpProbe; readiness: HttpProbe };
  readonly defaultResources: PodResources;
  readonly capabilities: AdapterCapabilities;
  /** Pure: the same pod and context always give the same plan. */
  render(pod: RenderablePod, context: RenderContext): ContainerPlan;
  /** With `capabilities.accessLink`: the URL that opens the agent's UI, signed in. */
  accessUrl?(publicOrigin: string, secrets: Record<string, string>): string;
  /** With `capabilities.devicePairing`. */
  readonly devicePairing?: DevicePairing;
  // --- secrets shown once and settings seeded at first start (both optional) ---
  /**
   * Generated secrets the operator must see once, e.g. a first admin's password: `POST /pods`
   * answers with their values in `revealedSecrets`, and no other answer ever carries them.
   */
  readonly revealedSecrets?: readonly string[];
  /** Settings the agent reads on its first start only, then keeps in its own state. */
  readonly seededAtFirstStart?: SeededSettings;
  /** What the access link's answer tells the operator when the link does not sign in. */
  readonly accessLinkNote?: string;
}

/** The adapter's config form as JSON Schema (draft 2020-12), for the dashboard. */
export function configJsonSchema(adapter: AgentAdapter): Record<string, unknown> {
  return z.toJSONSchema(adapter.configSchema, { io: 'input' }) as Record<string, unknown>;
}

/** Rejects paths that could escape the state volume. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

// --- Settings seeded at first start --------------------------------------------------------

/**
 * Settings an agent copies into its own state when it first starts and reads from there ever
 * after (Open WebUI's PersistentConfig): a later change in AgentPod would be silently ignored,
 * so the API refuses it (`seeded_at_first_start`) and says where to change it instead.
 */
export interface SeededSettings {
  /** Top-level keys of the config. */
  config: readonly string[];
  /** Names of secrets (operator-set or generated). */
  secrets: readonly string[];
  /** Where a running agent's value is changed, e.g. "Open WebUI's Admin Panel → Settings". */
  changeIn: string;
}
