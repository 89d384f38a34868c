import { z } from 'zod';
import { TenantId } from './ids.js';

/** A DNS label: lowercase letters, digits and inner hyphens, 1-63 characters. */
export const DnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be a DNS label: a-z, 0-9 and inner hyphens');

export const Tenant = z.object({
  id: TenantId,
  /** Unique, stable slug used in labels and network names. */
  name: DnsLabel,
  displayName: z.string().min(1).max(200),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Tenant = z.infer<typeof Tenant>;
