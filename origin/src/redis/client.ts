import Redis from "ioredis";
import { seatScripts } from "../../../lua/index.ts";

/**
 * ioredis with the seat scripts defined once (`defineCommand`: EVALSHA, falling back to
 * EVAL on NOSCRIPT, e.g. after a Redis restart or SCRIPT FLUSH).
 *
 * Commands fail fast while Redis is unreachable (no offline queue, no silent resend of
 * commands that may have run): the purchase flow decides itself what to retry.
 */
export function createRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 3000,
    connectTimeout: 3000,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  for (const script of Object.values(seatScripts)) {
    // Key count varies with the number of seats, so it is passed on each call.
    redis.defineCommand(script.name, { lua: script.source });
  }
  // Connection errors surface on the commands that hit them; keep the process alive.
  redis.on("error", () => {});
  return redis;
}

/** Connects and waits until Redis answers. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = createRedis(url);
  await redis.connect();
  await redis.ping();
  return redis;
}
