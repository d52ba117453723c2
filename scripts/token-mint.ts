/**
 * Dev only: `bun run token:mint -- --event demo --count N [--ttl S]` registers N active
 * sessions (ZADD to `cu:{e}:active`, exactly as the edge's claim does) and prints their
 * active tokens, one per line, signed with the first key of ACTIVE_SIGNING_KEYS.
 * Like real fans' sessions they take slots of the event's maxActive until they expire
 * (`--ttl`, default 900 s); `--clean` ends every session minted for the event at once and
 * releases their holds, so the room is free for real fans again.
 * Refused when NODE_ENV=production.
 */
import type Redis from "ioredis";
import { parseArgs } from "node:util";
import { EVENT_ID_PATTERN, eventKeys } from "../common/keys.ts";
import { MAX_TOKEN_AGE_SECONDS, signActiveToken, type SigningJwk } from "../common/tokens.ts";
import { releaseSessionHolds } from "../origin/src/modules/holds/session-holds.ts";
import { connectRedis } from "../origin/src/redis/client.ts";
import { ensureDevSecrets } from "./dev-secrets.ts";

export interface MintedSession {
  sid: string;
  token: string;
}

/** Registers `count` live sessions for an event and signs a token for each. */
export async function mintActiveSessions(redis: Redis, opts: { eventId: string; count: number; ttlSeconds: number; key: SigningJwk; nowMs?: number }): Promise<MintedSession[]> {
  const now = opts.nowMs ?? Date.now();
  const nowSeconds = Math.floor(now / 1000);
  const expiresAt = (nowSeconds + opts.ttlSeconds) * 1000;
  const sessions: MintedSession[] = [];
  for (let i = 0; i < opts.count; i++) {
    const sid = `s_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("base64url")}`;
    sessions.push({ sid, token: await signActiveToken({ evt: opts.eventId, sid }, opts.ttlSeconds, opts.key, nowSeconds) });
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

if (import.meta.main) {
  if (process.env.NODE_ENV === "production") {
    console.error("token:mint is for development only and refuses to run with NODE_ENV=production");
    process.exit(1);
  }
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      event: { type: "string", default: "demo" },
      count: { type: "string", default: "1" },
      ttl: { type: "string", default: "900" },
      clean: { type: "boolean", default: false },
    },
  });
  const eventId = values.event!;
  const count = Number(values.count);
  const ttlSeconds = Number(values.ttl);
  if (!EVENT_ID_PATTERN.test(eventId)) throw new Error(`--event: invalid event id ${JSON.stringify(eventId)}`);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new Error("--count must be a whole number from 1 to 1000000");
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_AGE_SECONDS) throw new Error(`--ttl must be seconds from 1 to ${MAX_TOKEN_AGE_SECONDS}`);

  const redis = await connectRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  try {
    if (values.clean) {
      const { sessions, holds } = await cleanDevSessions(redis, eventId);
      console.error(`ended ${sessions} minted session(s) of ${eventId} and released ${holds} hold(s)`);
    } else {
      const env = process.env.ACTIVE_SIGNING_KEYS ? process.env : { ...(await ensureDevSecrets()), ...process.env };
      const sessions = await mintActiveSessions(redis, { eventId, count, ttlSeconds, key: signingKeyFromEnv(env) });
      process.stdout.write(sessions.map((s) => s.token).join("\n") + "\n");
      console.error(
        `${count} session(s) of ${eventId} take slots of its maxActive for ${ttlSeconds} s; ` +
          `free them now with: bun run token:mint -- --event ${eventId} --clean`,
      );
    }
  } finally {
    redis.disconnect();
  }
}
