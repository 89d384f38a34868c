import { z } from 'zod';

/** `ok`; `warn`: works, but needs a look soon; `fail`: broken; `skip`: does not apply here. */
export const CheckStatus = z.enum(['ok', 'warn', 'fail', 'skip']);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** One finding of `GET /api/v1/doctor` (and `agentpod doctor`). */
export const DoctorCheck = z.object({
  /** Stable: clients may branch on it (`docker`, `database`, `proxy`, ...). */
  id: z.string(),
  title: z.string(),
  status: CheckStatus,
  /** What was found, in one line. */
  detail: z.string(),
  /** What to do about it; null when there is nothing to do. */
  fix: z.string().nullable(),
});
export type DoctorCheck = z.infer<typeof DoctorCheck>;

export const DoctorReport = z.object({
  /** The control plane's clock when it answered (a client compares its own with it). */
  checkedAt: z.iso.datetime(),
  checks: z.array(DoctorCheck),
});
export type DoctorReport = z.infer<typeof DoctorReport>;
