import type { ApiToken } from '@agentpod/shared';
import type { Database } from '../db/client.js';
import { verifyApiToken } from '../db/queries/tokens.js';

/** How long a verified token is trusted without asking the database again. */
export const TOKEN_CACHE_TTL_MS = 5_000;
/**
 * While the database cannot be asked, a token verified this recently is still trusted, so an
 * operator can still read what the control plane holds and run `agentpod doctor` in an outage
 * (as a DNS resolver serves stale answers). No revocation can be written meanwhile.
 */
export const TOKEN_STALE_IF_ERROR_MS = 15 * 60_000;
/** Bounds the memory a flood of distinct valid tokens could take. */
const MAX_ENTRIES = 10_000;

/**
 * Verified API tokens, by value, for a few seconds (the value is in this process's memory for
 * each request anyway; keying by it saves a SHA-256 a request): every request carries one, and a database
 * round trip for each was most of what a cached read cost. Only successes are kept (refusals
 * are counted by the auth hook's limiter instead). A token revoked through this process's API
 * is forgotten at once; one revoked elsewhere (another control plane, the database) stops
 * working here within TOKEN_CACHE_TTL_MS. Expiry is checked on every use.
 */
export class ApiTokenCache {
  private readonly entries = new Map<string, { record: ApiToken; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
  ) {}

  async verify(token: string): Promise<ApiToken | 'expired' | null> {
    const now = Date.now();
    const hit = this.entries.get(token);
    if (hit && hit.until > now) return checkExpiry(hit.record, now);
    this.entries.delete(token);
    let record: Awaited<ReturnType<typeof verifyApiToken>>;
    try {
      record = await verifyApiToken(this.db, token);
    } catch (err) {
      if (hit && now - hit.until < TOKEN_STALE_IF_ERROR_MS - this.ttlMs) {
        this.entries.set(token, hit);
        return checkExpiry(hit.record, now);
      }
      throw err;
    }
    if (record && record !== 'expired') {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(token, { record, until: now + this.ttlMs });
    }
    return record;
  }

  /** After a revocation through this process: its next request is refused. */
  forget(tokenId: string): void {
    for (const [token, entry] of this.entries) {
      if (entry.record.id === tokenId) this.entries.delete(token);
    }
  }
}

function checkExpiry(record: ApiToken, now: number): ApiToken | 'expired' {
  const expiresAt = record.expiresAt ? Date.parse(record.expiresAt) : Infinity;
  return expiresAt <= now ? 'expired' : record;
}
