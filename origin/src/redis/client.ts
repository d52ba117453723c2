import Redis, { Cluster, type ClusterNode, type RedisOptions } from "ioredis";
import { defineScripts } from "./scripts.ts";

/**
 * ioredis with the Redis scripts defined once (./scripts.ts: EVALSHA, falling back to
 * EVAL on NOSCRIPT, e.g. after a Redis restart or SCRIPT FLUSH).
 *
 * Commands fail fast while Redis is unreachable (no offline queue, no silent resend of
 * commands that may have run): the purchase flow decides itself what to retry.
 */
const connectionOptions = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 3000,
  connectTimeout: 3000,
  // reconnect attempts at most 250 ms apart: once Redis answers again the scheduler is back
  // within a tick or two and rebuilds a lost line well within a second (a few cheap
  // connection attempts a second to a Redis that is down cost nothing)
  retryStrategy: (times: number) => Math.min(50 * times, 250),
} satisfies RedisOptions;

/**
 * With `clusterNodes` (REDIS_CLUSTER_NODES) an ioredis Cluster client instead of a single
 * connection. Every script's keys share the hash slot of `cu:{eventId}`, so scripts and
 * pipelines of one event go to one shard; the Cluster client has the same command API,
 * hence the `Redis` type for both.
 */
export function createRedis(url: string, clusterNodes: ClusterNode[] = []): Redis {
  const redis =
    clusterNodes.length > 0
      ? (new Cluster(clusterNodes, {
          enableAutoPipelining: true,
          enableOfflineQueue: false,
          lazyConnect: true,
          scaleReads: "master",
          clusterRetryStrategy: connectionOptions.retryStrategy,
          redisOptions: { ...connectionOptions, ...credentials(url) },
        }) as unknown as Redis)
      : new Redis(url, { ...connectionOptions, enableAutoPipelining: true, lazyConnect: true });
  defineScripts(redis);
  // Connection errors surface on the commands that hit them; keep the process alive.
  redis.on("error", () => {});
  return redis;
}

/** Connects and waits until Redis answers. */
export async function connectRedis(url: string, clusterNodes: ClusterNode[] = []): Promise<Redis> {
  const redis = createRedis(url, clusterNodes);
  await redis.connect();
  await redis.ping();
  return redis;
}

/** A cluster's nodes share REDIS_URL's credentials and TLS setting. */
function credentials(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
  };
}
