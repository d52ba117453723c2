/** Starts bench/workers/durable-object-ceiling.js in its own workerd (Miniflare) on a free port. */
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { freePort } from "../../test/kit/free-port.ts";

export async function startDurableObjectCeiling(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const miniflare = new Miniflare({
    modules: true,
    scriptPath: join(import.meta.dir, "..", "workers", "durable-object-ceiling.js"),
    compatibilityDate: "2026-04-01",
    durableObjects: { NOTHING: "Nothing" },
    host: "127.0.0.1",
    port,
  });
  const url = String(await miniflare.ready).replace(/\/$/, "");
  return { url, stop: () => miniflare.dispose() };
}
