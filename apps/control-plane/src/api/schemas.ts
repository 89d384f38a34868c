import {
  DnsLabel,
  EgressPolicy,
  EventReason,
  EventType,
  PodId,
  PodPhase,
  PodResources,
  PowerState,
  Subdomain,
  TenantId,
} from '@agentpod/shared';
import { z } from 'zod';

// Request schemas are strict: an unknown field is a 400, never silently dropped. The response
// schemas are the clients' own, from @agentpod/shared.
export {
  AccessLinkResponse,
  DeviceListResponse,
  EventPage,
  LogsResponse,
  PodPage,
  PodStatsSeries,
  TenantPage,
} from '@agentpod/shared';

/** A name shown in lists and tables: one line, no control characters (no header or log injection). */
export const OneLine = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line without control characters');

export const PodIdParams = z.strictObject({ id: PodId });
export const TenantIdParams = z.strictObject({ id: TenantId });

/** `registry/name:tag` or `name@sha256:…`, no whitespace. */
const ImageRef = z
  .string()
  .max(512)
  .regex(
    /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[0-9a-f]{64})?$/,
    'must be an image reference like registry/name:tag',
  );

const PageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
};

export const CreateTenantBody = z.strictObject({
  name: DnsLabel,
  displayName: OneLine(200).optional(),
});
export const UpdateTenantBody = z.strictObject({ displayName: OneLine(200) });
export const TenantListQuery = z.strictObject(PageQuery);

const SecretValue = z.string().min(1).max(16_384);

export const CreatePodBody = z.strictObject({
  tenantId: TenantId,
  name: OneLine(200).optional(),
  subdomain: Subdomain,
  agentType: z.string().min(1).max(64).default('openclaw'),
  image: ImageRef.optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  secrets: z.record(z.string(), SecretValue).default({}),
  resources: PodResources.partial().strict().optional(),
  egress: EgressPolicy.default({ mode: 'internet' }),
  desiredState: PowerState.default('running'),
});

export const UpdatePodBody = z
  .strictObject({
    name: OneLine(200).optional(),
    image: ImageRef.nullable().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    secrets: z.record(z.string(), SecretValue.nullable()).optional(),
    resources: PodResources.partial().strict().optional(),
    egress: EgressPolicy.optional(),
    desiredState: PowerState.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'the body must change at least one field' });

export const PodListQuery = z.strictObject({
  ...PageQuery,
  tenantId: TenantId.optional(),
  agentType: z.string().max(64).optional(),
  phase: PodPhase.optional(),
  /** Also list pods whose deletion was requested (tombstones). */
  includeDeleted: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export const DeletePodQuery = z.strictObject({
  purge: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

/** `Died,OOMKilled`: a comma-separated list, as a query string carries it. */
const ReasonList = z
  .string()
  .max(500)
  .transform((text, ctx) => {
    const reasons = text.split(',').filter((r) => r !== '');
    for (const reason of reasons) {
      if (!EventReason.safeParse(reason).success) {
        ctx.addIssue({ code: 'custom', message: `${reason} is not an event reason` });
        return z.NEVER;
      }
    }
    return reasons as EventReason[];
  });

export const EventListQuery = z
  .strictObject({
    ...PageQuery,
    reason: ReasonList.optional(),
    type: EventType.optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.since) < Date.parse(q.until), {
    message: 'since must be before until',
    path: ['since'],
  });

export const PodStatsQuery = z
  .strictObject({
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    step: z.coerce.number().int().min(1).max(86_400).optional(),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.since) < Date.parse(q.until), {
    message: 'since must be before until',
    path: ['since'],
  });

export const LogsQuery = z.strictObject({
  tail: z.coerce.number().int().min(0).max(10_000).default(200),
  /** Only lines at or after this time, to the nanosecond (a line's `time`): resumes a stream. */
  since: z.iso.datetime({ offset: true }).optional(),
  follow: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export const DeviceRequestParams = z.strictObject({
  id: PodId,
  // Passed as an argument to the agent's own CLI: a leading `-` would be read as an option.
  requestId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be a device request id'),
});
