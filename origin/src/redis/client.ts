import Redis, { Cluster, ReplyError, type ClusterNode, type Command, type RedisOptions } from "ioredis";
import { RedisUnavailableError } from "../errors.ts";
import { defineScripts } from "./scripts.ts";

/**
 * ioredis with the Redis scripts defined once (./scripts.ts: EVALSHA, falling back to
 * EVAL on NOSCRIPT, e.g. after a Redis restart or SCRIPT FLUSH).
 *
 * Commands fail fast while Redis is unreachable (no offline queue, no silent resend of
 * commands that may have run): the purchase flow decides itself what to retry. A command
 * Redis did not answer (connection closed or refused, not writable, timed out) rejects
 * with a RedisUnavailableError; Redis's own error replies stay ReplyErrors.
 */
/** REDIS_COMMAND_TIMEOUT_MS's default (config.ts) */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3000;

const connectionOptions = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS,
  connectTimeout: 3000,
  // reconnect attempts at most 250 ms apart: once Redis answers again the scheduler is back
  // within a tick or two and rebuilds a lost line well within a second (a few cheap
  // connection attempts a second to a Redis that is down cost nothing)
  retryStrategy: (times: number) => Math.min(50 * times, 250),
} satisfies RedisOptions;

const typedRejects = new WeakSet<Command["reject"]>();

/**
 * ioredis rejects a command it could not get answered with a plain Error; this types it
 * where it is rejected, keeping the message (ioredis's cluster and pipeline retries
 * compare messages) and the original as `cause`.
 */
function typedFailures(command: Command): Command {
  if (typedRejects.has(command.reject)) return command;
  const reject = command.reject;
  command.reject = (error) => reject(error instanceof ReplyError || error instanceof RedisUnavailableError ? error : new RedisUnavailableError(error));
  typedRejects.add(command.reject);
  return command;
}

class TypedRedis extends Redis {
  override sendCommand(command: Command, stream?: Parameters<Redis["sendCommand"]>[1]): unknown {
    return super.sendCommand(typedFailures(command), stream);
  }
}

class TypedCluster extends Cluster {
  override sendCommand(command: Command, stream?: Parameters<Cluster["sendCommand"]>[1], node?: unknown): unknown {
    return super.sendCommand(typedFailures(command), stream, node);
  }
}

/**
 * With `clusterNodes` (REDIS_CLUSTER_NODES) an ioredis Cluster client instead of a single
 * connection. Every script's keys share the hash slot of `cu:{eventId}`, so scripts and
 * pipelines of one event go to one shard; the Cluster client has the same command API,
 * hence the `Redis` type for both.
 */
export function createRedis(url: string, clusterNodes: ClusterNode[] = [], commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Redis {
  const options = { ...connectionOptions, commandTimeout: commandTimeoutMs };
  const redis =
    clusterNodes.length > 0
      ? (new TypedCluster(clusterNodes, {
          enableAutoPipelining: true,
          enableOfflineQueue: false,
          lazyConnect: true,
          scaleReads: "master",
          clusterRetryStrategy: options.retryStrategy,
          redisOptions: { ...options, ...credentials(url) },
        }) as unknown as Redis)
      : new TypedRedis(url, { ...options, enableAutoPipelining: true, lazyConnect: true });
  defineScripts(redis);
  // Connection errors surface on the commands that hit them; keep the process alive.
  redis.on("error", () => {});
  return redis;
}

/** Connects and waits until Redis answers. */
export async function connectRedis(url: string, clusterNodes: ClusterNode[] = [], commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<Redis> {
  const redis = createRedis(url, clusterNodes, commandTimeoutMs);
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
