/**
 * A/B of join settings: two workerd edges with different vars (A: the committed defaults,
 * B: env VARS_B as JSON), one bridge and one private redis-server; the bare route and the
 * join on each edge, a second at a time, interleaved so they share the machine's noise.
 * `VARS_B='{"JOIN_SHARDS":"1"}' bun bench/experiments/join-ab.ts [rounds]`
 */
import Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { startBridgeProcess } from "../../test/kit/bridge.ts";
import { ensureDevSecrets } from "../../test/kit/dev-secrets.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import { startWorkerdEdge } from "../../test/kit/workerd-edge.ts";

const rounds = Number(process.argv[2] ?? 8);
const secrets = await ensureDevSecrets();
const server = await PrivateRedis.start();
const redis = new Redis(server.url);
const bridge = await startBridgeProcess(server.url, secrets.UPSTASH_REDIS_REST_TOKEN!);
const base = { JOIN_LIMIT_PER_MINUTE: "1000000" };
const a = await startWorkerdEdge({ upstashUrl: bridge.url, vars: base });
const b = await startWorkerdEdge({ upstashUrl: bridge.url, vars: { ...base, ...JSON.parse(process.env.VARS_B ?? "{}") } });
const eventId = "ab";
await redis.hset(eventKeys(eventId).queueState, { status: "open" });
await redis.sadd(globalKeys.queues, eventId);

let ip = 0;
async function load(url: string, join: boolean, ms: number): Promise<number> {
  let done = 0;
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (Date.now() < until) {
        ip++;
        const res = join
          ? await fetch(`${url}/queue/${eventId}/join`, { method: "POST", headers: { "cf-connecting-ip": `2001:db8:${(ip >> 16).toString(16)}:${(ip & 0xffff).toString(16)}::1` } })
          : await fetch(`${url}/healthz`);
        await res.arrayBuffer();
        done++;
      }
    }),
  );
  return done;
}
const sums = { bareA: 0, joinA: 0, bareB: 0, joinB: 0 };
for (const [k, url, j] of [["bareA", a.url, false], ["joinA", a.url, true], ["bareB", b.url, false], ["joinB", b.url, true]] as const) await load(url, j, 500);
for (let r = 0; r < rounds; r++) {
  sums.bareA += await load(a.url, false, 1000);
  sums.joinA += await load(a.url, true, 1000);
  sums.bareB += await load(b.url, false, 1000);
  sums.joinB += await load(b.url, true, 1000);
}
const per = (n: number) => Math.round(n / rounds);
console.log(`A: bare ${per(sums.bareA)}/s join ${per(sums.joinA)}/s ratio ${(sums.joinA / sums.bareA).toFixed(3)}`);
console.log(`B: bare ${per(sums.bareB)}/s join ${per(sums.joinB)}/s ratio ${(sums.joinB / sums.bareB).toFixed(3)}  (${process.env.VARS_B ?? "{}"})`);
await a.stop();
await b.stop();
bridge.stop?.();
redis.disconnect();
await server.kill();
process.exit(0);
