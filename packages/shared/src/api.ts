// The REST API's request and response shapes, for its clients (the CLI, the dashboard). The
// responses are zod schemas so a client can check what a server sent; the control plane's own
// request schemas are stricter and live beside its routes.
import { z } from 'zod';
import type {
  EgressPolicy,
  EventReason,
  EventType,
  PodPhase,
  PodResources,
  PowerState,
} from './pod.js';
import { PodEvent, PodWithStatus } from './pod.js';
import { Tenant } from './tenant.js';

/** The API's path under a control plane's URL. */
export const API_PATH = '/api/v1';

/** RFC 9457 problem details with AgentPod's stable `code`: every API error looks like this. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  code: z.string(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;
export type FieldError = NonNullable<Problem['errors']>[number];

export const TenantPage = z.object({ items: z.array(Tenant), nextCursor: z.string().nullable() });
export type TenantPage = z.infer<typeof TenantPage>;

export const PodPage = z.object({
  items: z.array(PodWithStatus),
  nextCursor: z.string().nullable(),
});
export type PodPage = z.infer<typeof PodPage>;

export const EventPage = z.object({ items: z.array(PodEvent), nextCursor: z.string().nullable() });
export type EventPage = z.infer<typeof EventPage>;

/** Filters of a pod's events; the page comes newest first. */
export interface EventQuery extends PageQuery {
  /** Only these reasons (`Died`, `OOMKilled`, ...). */
  reason?: EventReason[];
  type?: EventType;
  /** ISO 8601 times: events at or after `since`, before `until`. */
  since?: string;
  until?: string;
}

/** One bucket of a pod's resource series: averages, with the peaks where they matter. */
export const PodStatsPoint = z.object({
  /** The bucket's start. */
  at: z.iso.datetime(),
  cpuPercent: z.number().nullable(),
  cpuPercentMax: z.number().nullable(),
  memoryBytes: z.number(),
  memoryBytesMax: z.number(),
  memoryLimitBytes: z.number(),
  pids: z.number(),
  networkRxBytesPerSecond: z.number(),
  networkTxBytesPerSecond: z.number(),
  blockReadBytesPerSecond: z.number(),
  blockWriteBytesPerSecond: z.number(),
});
export type PodStatsPoint = z.infer<typeof PodStatsPoint>;

export const PodStatsSeries = z.object({
  podId: z.string(),
  since: z.iso.datetime(),
  until: z.iso.datetime(),
  stepSeconds: z.int().min(1),
  /** The stored resolution the points were computed from: raw samples, or 5-minute rollups. */
  sourceResolutionSeconds: z.int().min(0),
  /** Oldest first; buckets without samples (the pod was stopped) are left out. */
  points: z.array(PodStatsPoint),
});
export type PodStatsSeries = z.infer<typeof PodStatsSeries>;

export interface PodStatsQuery {
  /** ISO 8601; the default is an hour ago. */
  since?: string;
  until?: string;
  /** Seconds per point; the default gives about 60 points. */
  step?: number;
}

export const LogLine = z.object({
  stream: z.enum(['stdout', 'stderr']),
  text: z.string(),
  /** When Docker recorded it (RFC 3339, nanoseconds): `since` resumes from it. */
  time: z.string().optional(),
});
export type LogLine = z.infer<typeof LogLine>;

export const LogsResponse = z.object({ lines: z.array(LogLine) });
export type LogsResponse = z.infer<typeof LogsResponse>;

const AgentDeviceSchema = z.object({
  requestId: z.string().nullable(),
  deviceId: z.string(),
  clientId: z.string().nullable(),
  platform: z.string().nullable(),
  scopes: z.array(z.string()),
  at: z.string().nullable(),
});
/** The adapter's `DeviceList`, as the API sends it. */
export const DeviceListResponse = z.object({
  pending: z.array(AgentDeviceSchema),
  paired: z.array(AgentDeviceSchema),
});

export const AccessLinkResponse = z.object({ url: z.string(), note: z.string() });
export type AccessLinkResponse = z.infer<typeof AccessLinkResponse>;

export interface PageQuery {
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface CreateTenantRequest {
  name: string;
  displayName?: string;
}

export interface UpdateTenantRequest {
  displayName: string;
}

export interface CreatePodRequest {
  tenantId: string;
  name?: string;
  subdomain: string;
  /** The adapter id; the server defaults to `openclaw`. */
  agentType?: string;
  image?: string;
  config?: Record<string, unknown>;
  /** Secret values by name: sent once, never returned (pods show `secretRefs`, names only). */
  secrets?: Record<string, string>;
  resources?: Partial<PodResources>;
  /** Defaults to `{ mode: 'internet' }`. */
  egress?: EgressPolicy;
  desiredState?: PowerState;
}

export interface UpdatePodRequest {
  name?: string;
  /** null goes back to the adapter's default image. */
  image?: string | null;
  /** A JSON merge patch: null removes a key. */
  config?: Record<string, unknown>;
  /** A value sets the secret, null removes it. */
  secrets?: Record<string, string | null>;
  resources?: Partial<PodResources>;
  egress?: EgressPolicy;
  desiredState?: PowerState;
}

export interface PodListQuery extends PageQuery {
  tenantId?: string;
  agentType?: string;
  phase?: PodPhase;
  /** Also list pods whose deletion was requested. */
  includeDeleted?: boolean;
}

export interface LogsQuery {
  /** Lines from the end of the log to start with (the server's default is 200). */
  tail?: number;
  /** Only lines at or after this time (a line's `time`): how a follower resumes. */
  since?: string;
}

// --- Pod creation: secrets shown once ------------------------------------------------------

/** `POST /pods`'s answer: the pod, and the generated secrets its adapter reveals once. */
export const CreatedPod = PodWithStatus.extend({
  /**
   * Values of the adapter's `revealedSecrets` (e.g. a first admin's password), by name. Only this
   * answer carries them: GET, lists, events and logs never do. `{}` when the adapter reveals none.
   */
  revealedSecrets: z.record(z.string(), z.string()),
});
export type CreatedPod = z.infer<typeof CreatedPod>;
