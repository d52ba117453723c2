/**
 * Dev only: `bun run token:mint -- --event demo --count N [--ttl S]` registers N active
 * sessions (ZADD to `cu:{e}:active`, exactly as the edge's claim does) and prints their
 * active tokens, one per line, signed with the first key of ACTIVE_SIGNING_KEYS.
 * Refused when NODE_ENV=production.
 */
import Redis from "ioredis";
import { parseArgs } from "node:util";
import { EVENT_ID_PATTERN, eventKeys } from "../common/keys.ts";
import { signActiveToken, type SigningJwk } from "../common/tokens.ts";
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
  const active = eventKeys(opts.eventId).active;
  for (let i = 0; i < sessions.length; i += 1000) {
    const args = sessions.slice(i, i + 1000).flatMap((s) => [expiresAt, s.sid]);
    await redis.zadd(active, ...args);
  }
  return sessions;
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
    options: { event: { type: "string", default: "demo" }, count: { type: "string", default: "1" }, ttl: { type: "string", default: "900" } },
  });
  const eventId = values.event!;
  const count = Number(values.count);
  const ttlSeconds = Number(values.ttl);
  if (!EVENT_ID_PATTERN.test(eventId)) throw new Error(`--event: invalid event id ${JSON.stringify(eventId)}`);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new Error("--count must be a whole number from 1 to 1000000");
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) throw new Error("--ttl must be seconds from 1 to 86400");

  const env = process.env.ACTIVE_SIGNING_KEYS ? process.env : { ...(await ensureDevSecrets()), ...process.env };
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
  try {
    const sessions = await mintActiveSessions(redis, { eventId, count, ttlSeconds, key: signingKeyFromEnv(env) });
    process.stdout.write(sessions.map((s) => s.token).join("\n") + "\n");
  } finally {
    redis.disconnect();
  }
}
