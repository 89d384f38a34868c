// The REST API's request and response shapes, for its clients (the CLI, the dashboard). The
// responses are zod schemas so a client can check what a server sent; the control plane's own
// request schemas are stricter and live beside its routes.
import { z } from 'zod';
import type { PodPhase, PodResources, PowerState } from './pod.js';
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

export const LogLine = z.object({ stream: z.enum(['stdout', 'stderr']), text: z.string() });
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
}
