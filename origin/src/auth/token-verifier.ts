/**
 * Verifies active tokens with the edge's public keys and remembers verified tokens until
 * they expire, so signature checks are not on every request. Forged tokens never enter
 * the cache. Whether the session is still live is checked separately, in Redis.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey } from "jose";
import { CLOCK_LEEWAY_SECONDS, MAX_TOKEN_AGE_SECONDS, verifyActiveToken, type ActiveTokenClaims } from "../../../common/tokens.ts";
import type { Config } from "../config.ts";
import type { Clock } from "../lib/clock.ts";

export interface TokenVerifier {
  /** The token's claims when it is a valid, current active token (of any event); else null. */
  verify(token: string): Promise<ActiveTokenClaims | null>;
  /** The answer for a token verified before (claims, or null once expired) without waiting; undefined when it must be verified. */
  cached(token: string): ActiveTokenClaims | null | undefined;
}

export function createTokenVerifier({ jwks, clock, cacheSize }: { jwks: Config["activeJwks"]; clock: Clock; cacheSize: number }): TokenVerifier {
  const keys: JWTVerifyGetKey = jwks.kind === "inline" ? createLocalJWKSet(jwks.jwks) : createRemoteJWKSet(jwks.url, { cooldownDuration: 30_000 });
  const cache = new Map<string, ActiveTokenClaims>();
  // Concurrent first uses of one token share one signature check.
  const inFlight = new Map<string, Promise<ActiveTokenClaims | null>>();
  const stillValid = (claims: ActiveTokenClaims) => (Math.min(claims.exp, claims.iat + MAX_TOKEN_AGE_SECONDS) + CLOCK_LEEWAY_SECONDS) * 1000 > clock.now();

  const cached = (token: string): ActiveTokenClaims | null | undefined => {
    const claims = cache.get(token);
    if (!claims) return undefined;
    if (stillValid(claims)) return claims;
    cache.delete(token);
    return null;
  };

  return {
    cached,
    async verify(token) {
      const known = cached(token);
      if (known !== undefined) return known;
      const pending = inFlight.get(token);
      if (pending) return pending;
      let eventId: unknown;
      try {
        eventId = decodeJwt(token).evt;
      } catch {
        return null;
      }
      if (typeof eventId !== "string") return null;
      const check = verifyActiveToken(token, keys, eventId, new Date(clock.now()));
      inFlight.set(token, check);
      const claims = await check.finally(() => inFlight.delete(token));
      if (claims && cacheSize > 0) {
        if (cache.size >= cacheSize) {
          // Drop the oldest entry (Maps iterate in insertion order).
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(token, claims);
      }
      return claims;
    },
  };
}
