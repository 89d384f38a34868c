import { z } from 'zod';
import { EventId, PodId, TenantId } from './ids.js';
import { DnsLabel } from './tenant.js';

export const PowerState = z.enum(['running', 'stopped']);
export type PowerState = z.infer<typeof PowerState>;

export const PodResources = z.object({
  /** Hard memory limit in MiB. */
  memoryMb: z.int().min(64).max(262_144),
  /** CPU quota in cores (0.5 = half a core). */
  cpus: z.number().min(0.05).max(256),
  /** Maximum number of processes in the container. */
  pidsLimit: z.int().min(16).max(65_536),
});
export type PodResources = z.infer<typeof PodResources>;

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}(/(3[0-2]|[12]?\\d))?$`);

/**
 * Where a pod may open connections of its own. Answering its proxy is always possible; the
 * host, the LAN and other private ranges, link-local addresses (cloud metadata) and other pods
 * are refused in every mode. `internet`: any public address (models need it); `none`: nothing;
 * `allowlist`: only the listed public CIDRs (an LLM gateway, one provider's API).
 */
export const EgressPolicy = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('internet') }),
  z.object({ mode: z.literal('none') }),
  z.object({
    mode: z.literal('allowlist'),
    cidrs: z
      .array(
        z
          .string()
          .min(1)
          .max(49)
          .regex(IPV4_CIDR, 'must be an IPv4 address or CIDR, e.g. 203.0.113.0/24'),
      )
      .min(1)
      .max(64)
      .describe('IPv4 addresses or CIDRs, e.g. 203.0.113.0/24'),
  }),
]);
export type EgressPolicy = z.infer<typeof EgressPolicy>;

/** Desired state: what the operator asked for. Only the API writes it. */
export const Pod = z.object({
  id: PodId,
  tenantId: TenantId,
  name: z.string().min(1).max(200),
  subdomain: DnsLabel,
  /** The adapter id, e.g. `openclaw`. */
  agentType: z.string().min(1).max(64),
  /** Image reference; null means the adapter's (or installation's) default. */
  image: z.string().min(1).max(512).nullable(),
  /** Adapter-specific, validated by the adapter's config schema. Never holds secret values. */
  config: z.record(z.string(), z.unknown()),
  /** Names of the secrets that are set for this pod. Values live encrypted elsewhere. */
  secretRefs: z.array(z.string()),
  resources: PodResources,
  /** Where the pod may open connections of its own (enforced by the network filter). */
  egress: EgressPolicy,
  desiredState: PowerState,
  /** Bumped by every write to the desired state. */
  generation: z.int().min(1),
  /** The container must have started after this time (set by a restart request). */
  restartRequestedAt: z.iso.datetime().nullable(),
  /** Set once deletion is requested; the pod then stays as a tombstone. */
  deletedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Pod = z.infer<typeof Pod>;

export const PodPhase = z.enum([
  'pending',
  'pulling',
  'creating',
  'starting',
  'running',
  'stopping',
  'stopped',
  'failed',
  'deleting',
  'deleted',
]);
export type PodPhase = z.infer<typeof PodPhase>;

export const PodHealth = z.enum(['unknown', 'starting', 'healthy', 'unhealthy']);
export type PodHealth = z.infer<typeof PodHealth>;

/** Why a pull failed, from the registry's answer: clients may branch on it. */
export const ImagePullFailure = z.enum(['not_found', 'unauthorized', 'unreachable', 'unknown']);
export type ImagePullFailure = z.infer<typeof ImagePullFailure>;

/** How far a pull has come: layers and bytes as the Docker daemon reports them. */
export const ImagePullProgress = z.object({
  layers: z.int().min(0),
  layersDone: z.int().min(0),
  bytes: z.int().min(0),
  bytesDone: z.int().min(0),
});
export type ImagePullProgress = z.infer<typeof ImagePullProgress>;

/** A pull under way or one that failed; null once the image is there. */
export const ImagePull = z.object({
  state: z.enum(['pulling', 'backoff', 'failed']),
  /** Failed attempts so far for this generation of the pod. */
  attempts: z.int().min(0),
  reason: ImagePullFailure.nullable(),
  message: z.string().nullable(),
  /** When the next attempt is due (backoff); null while pulling or after giving up. */
  nextAttemptAt: z.iso.datetime().nullable(),
  progress: ImagePullProgress.nullable(),
  /** The pod generation these attempts belong to: any write to the pod starts over. */
  generation: z.int().min(0),
});
export type ImagePull = z.infer<typeof ImagePull>;

/** The image a pod runs: the reference it asks for and what that was pinned to. */
export const PodImageStatus = z.object({
  /** The reference the pod wants (its own image or the installation's default). */
  ref: z.string().nullable(),
  /** `repo@sha256:…` (or a local image id): what `ref` pointed at when first pulled or seen. */
  pinned: z.string().nullable(),
  pull: ImagePull.nullable(),
});
export type PodImageStatus = z.infer<typeof PodImageStatus>;

/** The latest resource sample of a running pod (`docker stats`), null while it is not running. */
export const PodUsage = z.object({
  at: z.iso.datetime(),
  /** 100 = one full core; null for the first sample of a container (no earlier one to compare). */
  cpuPercent: z.number().min(0).nullable(),
  memoryBytes: z.int().min(0),
  memoryLimitBytes: z.int().min(0),
  pids: z.int().min(0),
  /** Totals since the container started. */
  networkRxBytes: z.int().min(0),
  networkTxBytes: z.int().min(0),
  blockReadBytes: z.int().min(0),
  blockWriteBytes: z.int().min(0),
  /** The state volume's disk usage, measured on its own slower timer (stats/volume-usage.ts). */
  volume: z
    .object({
      bytes: z.int().min(0),
      at: z.iso.datetime(),
      /** Over the alert threshold (a DiskUsageHigh event was recorded); clears below 90 % of it. */
      high: z.boolean(),
    })
    .optional(),
});
export type PodUsage = z.infer<typeof PodUsage>;

/** The container's last exit as Docker recorded it, whether or not AgentPod saw it happen. */
export const PodExit = z.object({
  at: z.iso.datetime(),
  /** Null when Docker had already restarted it: the running container no longer says. */
  exitCode: z.int().nullable(),
  oomKilled: z.boolean(),
  /** Docker's restarts of this container (its restart policy), not AgentPod's. */
  restartCount: z.int().min(0),
});
export type PodExit = z.infer<typeof PodExit>;

/** Observed state: what the reconciler last saw in Docker. Only the reconciler writes it. */
export const PodStatus = z.object({
  podId: PodId,
  phase: PodPhase,
  containerId: z.string().nullable(),
  health: PodHealth,
  restarts: z.int().min(0),
  lastError: z.string().nullable(),
  observedGeneration: z.int().min(0),
  /** Hash of the rendered container spec the running container was made from. */
  specHash: z.string().nullable(),
  /** The pod network's subnet (CIDR) and the container's address on it. */
  subnet: z.string().nullable(),
  ipAddress: z.string().nullable(),
  image: PodImageStatus,
  usage: PodUsage.nullable(),
  lastExit: PodExit.nullable(),
  updatedAt: z.iso.datetime(),
});
export type PodStatus = z.infer<typeof PodStatus>;

/** Stable reason codes: clients may branch on them, so never rename one. */
export const EventReason = z.enum([
  'Created',
  'Started',
  'Stopped',
  'Restarted',
  'Recreated',
  'Deleted',
  'Purged',
  'ConfigWritten',
  'ConfigRestored',
  'ConfigUnreadable',
  'ImagePulling',
  'ImagePulled',
  'ImagePullFailed',
  'ImagePinned',
  'Healthy',
  'HealthCheckFailed',
  'Died',
  'OOMKilled',
  'ReconcileFailed',
  'AccessLinkIssued',
  'DeviceApproved',
  'DeviceRejected',
  'BackOff',
  'DockerNotAnswering',
  'GatewayTokenRotated',
  'DiskUsageHigh',
]);
export type EventReason = z.infer<typeof EventReason>;

export const EventType = z.enum(['normal', 'warning']);
export type EventType = z.infer<typeof EventType>;

export const PodEvent = z.object({
  id: EventId,
  podId: PodId,
  type: EventType,
  reason: EventReason,
  message: z.string(),
  createdAt: z.iso.datetime(),
});
export type PodEvent = z.infer<typeof PodEvent>;

/** A pod as the API shows it: desired state with the last observed status. */
export const PodWithStatus = Pod.extend({ status: PodStatus });
export type PodWithStatus = z.infer<typeof PodWithStatus>;
