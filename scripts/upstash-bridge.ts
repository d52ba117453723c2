/**
 * `bun scripts/upstash-bridge.ts`: the dev-only Upstash REST bridge (test/kit/upstash-bridge/)
 * on its own, in front of REDIS_URL, on UPSTASH_BRIDGE_HOST:UPSTASH_BRIDGE_PORT, accepting
 * UPSTASH_REDIS_REST_TOKEN: what the compose stack's bridge service and the benches run.
 */
import { devToolVariables } from "../test/kit/dev-variables.ts";
import { startUpstashBridge } from "../test/kit/upstash-bridge/server.ts";

const bridge = await startUpstashBridge({
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  port: Number(process.env.UPSTASH_BRIDGE_PORT ?? devToolVariables.UPSTASH_BRIDGE_PORT.default),
  token: process.env.UPSTASH_REDIS_REST_TOKEN ?? "",
  hostname: process.env.UPSTASH_BRIDGE_HOST ?? devToolVariables.UPSTASH_BRIDGE_HOST.default,
});
console.log(`Upstash REST bridge on ${bridge.url} (Redis ${process.env.REDIS_URL ?? "redis://127.0.0.1:6379"})`);
const shutdown = () => void bridge.stop().then(() => process.exit(0));
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
