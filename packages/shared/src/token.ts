import { z } from 'zod';
import { TokenId } from './ids.js';

/** An admin API token as listed: never its value, never its hash. */
export const ApiToken = z.object({
  id: TokenId,
  name: z.string(),
  /** The token's first characters (`ap_Xy12…`), to tell tokens apart. */
  prefix: z.string(),
  role: z.enum(['admin']),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  /** Null: the token does not expire. An expired token is refused with `token_expired`. */
  expiresAt: z.iso.datetime().nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

/** The answer to creating a token: the only time its plain value is ever shown. */
export const CreatedApiToken = ApiToken.pick({
  id: true,
  name: true,
  prefix: true,
  createdAt: true,
  expiresAt: true,
}).extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;

export const ApiTokenList = z.object({ items: z.array(ApiToken) });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

export interface CreateApiTokenRequest {
  /** A label to tell tokens apart. */
  name: string;
  /** Days until the token expires (1 to 3650); without it the token does not expire. */
  expiresInDays?: number;
}
