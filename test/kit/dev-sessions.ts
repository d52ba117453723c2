/**
 * Active sessions minted straight into Redis (ZADD to `cu:{e}:active`, exactly as the
 * edge's claim does) with their signed tokens, for `bun run token:mint`, tests and benches
 * that need fans past the waiting room; and the end of the ones `token:mint` registered.
 */
import type Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { signActiveToken, type SigningJwk } from "../../common/tokens.ts";
import { releaseSessionHolds } from "../../origin/src/modules/holds/session-holds.ts";

export interface MintedSession {
  sid: string;
  token: string;
}

/**
 * Registers `count` live sessions for an event and signs a token for each; with `customerId`
 * every token names that customer (`cus`), as the edge does for a fan who proved an identity.
 */
export async function mintActiveSessions(
  redis: Redis,
  opts: { eventId: string; count: number; ttlSeconds: number; key: SigningJwk; nowMs?: number; customerId?: string },
): Promise<MintedSession[]> {
  const now = opts.nowMs ?? Date.now();
  const nowSeconds = Math.floor(now / 1000);
  const expiresAt = (nowSeconds + opts.ttlSeconds) * 1000;
  const sessions: MintedSession[] = [];
  for (let i = 0; i < opts.count; i++) {
    const sid = `s_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("base64url")}`;
    sessions.push({ sid, token: await signActiveToken({ evt: opts.eventId, sid, ...(opts.customerId ? { cus: opts.customerId } : {}) }, opts.ttlSeconds, opts.key, nowSeconds) });
  }
  const k = eventKeys(opts.eventId);
  for (let i = 0; i < sessions.length; i += 1000) {
    const args = sessions.slice(i, i + 1000).flatMap((s) => [expiresAt, s.sid]);
    // the dev list first: a session that is active is always one --clean can find
    await redis.zadd(k.devSessions, ...args);
    await redis.zadd(k.active, ...args);
  }
  // the list forgets sessions that ran out, and goes by itself with its longest one
  await redis.zremrangebyscore(k.devSessions, "-inf", now);
  const [, latest] = await redis.zrange(k.devSessions, -1, -1, "WITHSCORES");
  if (latest) await redis.pexpireat(k.devSessions, Number(latest));
  return sessions;
}

/** Ends every session minted for the event (dev only): their holds are released and their slots freed. */
export async function cleanDevSessions(redis: Redis, eventId: string): Promise<{ sessions: number; holds: number }> {
  const k = eventKeys(eventId);
  const sids = await redis.zrange(k.devSessions, 0, -1);
  let holds = 0;
  for (const sid of sids) holds += (await releaseSessionHolds(redis, k, sid)).holds;
  for (let i = 0; i < sids.length; i += 1000) await redis.zrem(k.active, ...sids.slice(i, i + 1000));
  await redis.del(k.devSessions);
  return { sessions: sids.length, holds };
}

export function signingKeyFromEnv(env: Record<string, string | undefined>): SigningJwk {
  const keys = JSON.parse(env.ACTIVE_SIGNING_KEYS ?? "[]") as SigningJwk[];
  if (!keys[0]) throw new Error("ACTIVE_SIGNING_KEYS holds no key");
  return keys[0];
}
