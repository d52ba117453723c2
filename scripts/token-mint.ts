/**
 * Dev only: `bun run token:mint -- --event demo --count N [--ttl S]` registers N active
 * sessions (ZADD to `cu:{e}:active`, exactly as the edge's claim does) and prints their
 * active tokens, one per line, signed with the first key of ACTIVE_SIGNING_KEYS.
 * Like real fans' sessions they take slots of the event's maxActive until they expire
 * (`--ttl`, default 900 s); `--clean` ends every session minted for the event at once and
 * releases their holds, so the room is free for real fans again.
 * Refused when NODE_ENV=production.
 */
import { parseArgs } from "node:util";
import { EVENT_ID_PATTERN } from "../common/keys.ts";
import { MAX_TOKEN_AGE_SECONDS } from "../common/tokens.ts";
import { connectRedis } from "../origin/src/redis/client.ts";
import { ensureDevSecrets } from "../test/kit/dev-secrets.ts";
import { cleanDevSessions, mintActiveSessions, signingKeyFromEnv } from "../test/kit/dev-sessions.ts";

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
