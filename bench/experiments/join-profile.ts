/**
 * Where a join's Worker CPU goes: the production Worker in workerd (Miniflare, the
 * JoinBatcher bound), the Upstash bridge in its own process and a private redis-server;
 * 64 clients join with a new IP each while the V8 inspector samples the Worker's isolate
 * (the Durable Object runs in it too). Prints the functions with the most self time.
 * `bun bench/experiments/join-profile.ts [seconds]`
 */
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { startBridgeProcess } from "../../test/kit/bridge.ts";
import { ensureDevSecrets } from "../../test/kit/dev-secrets.ts";
import { freePort } from "../../test/kit/free-port.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import { startWorkerdEdge } from "../../test/kit/workerd-edge.ts";

const seconds = Number(process.argv[2] ?? 5);
const secrets = await ensureDevSecrets();
const server = await PrivateRedis.start();
const redis = new Redis(server.url);
const bridge = await startBridgeProcess(server.url, secrets.UPSTASH_REDIS_REST_TOKEN!);
const inspectorPort = await freePort();
const edge = await startWorkerdEdge({ upstashUrl: bridge.url, inspectorPort, vars: { JOIN_LIMIT_PER_MINUTE: "1000000", ...(process.env.SHARDS ? { JOIN_SHARDS: process.env.SHARDS } : {}), ...(process.env.WINDOW ? { JOIN_BATCH_WINDOW_MS: process.env.WINDOW } : {}) } });
const eventId = "profile";
await redis.hset(eventKeys(eventId).queueState, { status: "open" });
await redis.sadd(globalKeys.queues, eventId);

let ip = 0;
async function load(untilMs: number) {
  let done = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (Date.now() < untilMs) {
        ip++;
        const res = process.env.BARE ? await fetch(`${edge.url}/healthz`) : await fetch(`${edge.url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": `2001:db8:${(ip >> 16).toString(16)}:${(ip & 0xffff).toString(16)}::1` } });
        await res.arrayBuffer();
        done++;
      }
    }),
  );
  return done;
}

const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{ id: string; webSocketDebuggerUrl?: string }>;
const target = targets.find((t) => t.id.startsWith("core:user:") && t.webSocketDebuggerUrl)!;
const ws = new WebSocket(target.webSocketDebuggerUrl!);
await new Promise((r) => (ws.onopen = r));
let nextId = 1;
const waiting = new Map<number, (r: any) => void>();
ws.onmessage = (m) => {
  const msg = JSON.parse(String(m.data));
  if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result ?? msg.error);
};
const send = (method: string, params: object = {}) => new Promise<any>((r) => { const id = nextId++; waiting.set(id, r); ws.send(JSON.stringify({ id, method, params })); });

await load(Date.now() + 2000);
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
const joins = await load(Date.now() + seconds * 1000);
const { profile } = await send("Profiler.stop");
console.log(`${joins} joins in ${seconds} s (${Math.round(joins / seconds)}/s)`);

// self time per function
const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
const self = new Map<number, number>();
for (const s of profile.samples) self.set(s, (self.get(s) ?? 0) + 1);
const total = profile.samples.length;
const byName = new Map<string, number>();
for (const [id, n] of self) {
  const f = byId.get(id).callFrame;
  const name = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber}`;
  byName.set(name, (byName.get(name) ?? 0) + n);
}
for (const [name, n] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${((100 * n) / total).toFixed(1).padStart(5)} %  ${name}`);
// inclusive time: a function's samples and its callees' (a function counted once per stack)
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, n] of self) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at).callFrame;
    const name = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + n);
  }
}
console.log("inclusive:");
for (const [name, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${((100 * n) / total).toFixed(1).padStart(5)} %  ${name}`);
ws.close();
await edge.stop();
bridge.stop?.();
redis.disconnect();
await server.kill();
process.exit(0);
