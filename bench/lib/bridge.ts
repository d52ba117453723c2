/** The dev Upstash REST bridge in front of the local Redis, as the local edge uses it. */
import { freePort } from "../../test/kit/free-port.ts";

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

