/** An Upstash REST bridge in front of the test Redis, for tests that drive @upstash/redis. */
import { startUpstashBridge, type UpstashBridge } from "../kit/upstash-bridge/server.ts";

export interface TestBridge extends UpstashBridge {
  /** the bearer token the bridge accepts */
  token: string;
  redisUrl: string;
}

/** Starts a bridge on a free port; defaults: REDIS_URL (else the local Redis) and UPSTASH_REDIS_REST_TOKEN. */
export async function startBridge(opts: { redisUrl?: string; token?: string } = {}): Promise<TestBridge> {
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const token = opts.token ?? process.env.UPSTASH_REDIS_REST_TOKEN;
  if (!token) throw new Error("UPSTASH_REDIS_REST_TOKEN is not set (test/preload.ts sets it)");
  const bridge = await startUpstashBridge({ redisUrl, port: 0, token });
  return { ...bridge, token, redisUrl };
}
