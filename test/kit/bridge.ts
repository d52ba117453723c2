/**
 * The dev Upstash REST bridge (test/kit/upstash-bridge/) in front of a test's Redis, so the
 * edge Worker runs here as against Upstash: in the test's process, or in a process of its
 * own for benches whose clients would otherwise slow it down.
 */
import { startUpstashBridge, type UpstashBridge } from "./upstash-bridge/server.ts";
import { freePort } from "./free-port.ts";

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

/** The bridge in a process of its own, so the bench's clients and MONITOR never slow it down. */
export async function startBridgeProcess(redisUrl: string, token: string) {
  const port = await freePort();
  const proc = Bun.spawn(["bun", new URL("../../scripts/upstash-bridge.ts", import.meta.url).pathname], {
    env: { ...process.env, REDIS_URL: redisUrl, UPSTASH_BRIDGE_PORT: String(port), UPSTASH_REDIS_REST_TOKEN: token },
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: '["PING"]' }).then((r) => r.ok, () => false);
    if (up) break;
    if (i > 100) throw new Error("the Upstash bridge did not start");
    await Bun.sleep(100);
  }
  return {
    url,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}
