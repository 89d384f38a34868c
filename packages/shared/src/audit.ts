import { z } from 'zod';

/**
 * One admin action as the audit log keeps it: who (`token:<id>`, `operator:<user id>`,
 * `local-admin`, `anonymous`), what (`pod.create`, `pod.access_link`, `token.revoke`), on which
 * object, and how the server answered. Never a secret value.
 */
export const AuditEntry = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Newest first; `nextCursor` fetches the older entries. */
export const AuditPage = z.object({
  items: z.array(AuditEntry),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;

export interface AuditQuery {
  actor?: string;
  action?: string;
  /** A pod, tenant or token id, or a registry host. */
  target?: string;
  /** Only entries before this time (ISO 8601). */
  before?: string;
  limit?: number;
  cursor?: string;
}
