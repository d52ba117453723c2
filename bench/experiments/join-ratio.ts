/**
 * The crowd bench's join ratio alone, in a minute rather than ten: the production Worker in
 * workerd (Miniflare, the JoinBatcher bound), the Upstash bridge in its own process and a
 * private redis-server; the bare route and the join loaded by wrk a second at a time,
 * interleaved, asking no encoding, as `bun run bench crowd` loads them; with workerd's CPU
 * per request of each, so a change to the join path can be judged by both.
 * `[BASELINE=<git ref>] bun bench/experiments/join-ratio.ts [rounds]`: with BASELINE, that
 * commit's edge is measured too, interleaved with this checkout's, for an A/B of a change;
 * VARS_B='{"JOIN_SHARDS":"1"}' sets vars on this checkout's edge only. Compare each edge's
 * join with its own bare route: two workerd processes running the same bare route differ by
 * up to 15 % in CPU per request here, and the host's noise moves a ratio by about ±0.05.
 */
import Redis from "ioredis";
import { existsSync, symlinkSync } from "node:fs";
import { join as joinPath } from "node:path";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { startBridgeProcess } from "../../test/kit/bridge.ts";
import { ensureDevSecrets } from "../../test/kit/dev-secrets.ts";
import { PrivateRedis } from "../../test/kit/private-redis.ts";
import { bundleEdge, startWorkerdEdge, type WorkerdEdge } from "../../test/kit/workerd-edge.ts";
import { cpuSeconds } from "../lib/process-cpu.ts";
import { WrkMeter } from "../lib/wrk.ts";

const rounds = Number(process.argv[2] ?? 8);
const root = joinPath(import.meta.dir, "..", "..");
const secrets = await ensureDevSecrets();
const server = await PrivateRedis.start();
const redis = new Redis(server.url);
const bridge = await startBridgeProcess(server.url, secrets.UPSTASH_REDIS_REST_TOKEN!);
const vars = { TICK_MS: "1000", PRESENCE_GRACE_SECONDS: "60", TICKET_LIMIT_PER_MINUTE: "100000" };

/** BASELINE=<git ref>: that commit's edge too, measured interleaved with this checkout's */
async function baselineBundle(ref: string): Promise<string> {
  const tree = `/tmp/cu-ab-${ref.replace(/[^\w.-]/g, "_")}`;
  if (!existsSync(tree)) {
    const add = Bun.spawnSync(["git", "worktree", "add", "--detach", "--force", tree, ref], { cwd: root });
    if (add.exitCode !== 0) throw new Error(add.stderr.toString());
    symlinkSync(joinPath(root, "node_modules"), joinPath(tree, "node_modules"));
  }
  return bundleEdge(tree);
}

const edges: Array<{ label: string; edge: WorkerdEdge }> = [];
if (process.env.BASELINE) edges.push({ label: process.env.BASELINE, edge: await startWorkerdEdge({ upstashUrl: bridge.url, vars, bundle: await baselineBundle(process.env.BASELINE) }) });
const varsB = JSON.parse(process.env.VARS_B ?? "{}") as Record<string, string>;
edges.push({ label: process.env.VARS_B ? `this checkout, ${process.env.VARS_B}` : "this checkout", edge: await startWorkerdEdge({ upstashUrl: bridge.url, vars: { ...vars, ...varsB } }) });
const eventId = `ratio-${Date.now().toString(36)}`;
await redis.hset(eventKeys(eventId).queueState, { status: "open" });
await redis.sadd(globalKeys.queues, eventId);

/** the workerd processes' CPU seconds, all of them: the edge not being loaded adds next to nothing */
function workerdPids(): number[] {
  const out = Bun.spawnSync(["pgrep", "-x", "workerd"]).stdout.toString().trim();
  return out ? out.split("\n").map(Number) : [];
}
const cpu = () => workerdPids().reduce((a, p) => a + (cpuSeconds(p) ?? 0), 0);

const runs = edges.map(({ label, edge }) => ({
  label,
  bare: new WrkMeter(`bare (${label})`, `${edge.url}/healthz`, "GET", 64, "identity"),
  join: new WrkMeter(`join (${label})`, `${edge.url}/queue/${eventId}/join`, "POST", 64, "identity"),
  spent: { bare: 0, join: 0 },
  /** join/bare of each round's two adjacent slices */
  roundRatios: [] as number[],
}));
const rateOf = (m: WrkMeter, run: () => Promise<void>) => async () => {
  const before = m.result();
  await run();
  const after = m.result();
  return (after.ops - after.errors - (before.ops - before.errors)) / (after.seconds - before.seconds);
};
for (const r of runs) {
  await new WrkMeter("warm", r.join.url, "POST", 64, "identity").slice(1);
  await new WrkMeter("warm", r.bare.url, "GET", 64, "identity").slice(1);
}
// the order turns each round (A B, then B A), so neither edge always runs on a warmer machine
for (let i = 0; i < rounds; i++) {
  for (const r of i % 2 === 0 ? runs : [...runs].reverse()) {
    const rates = { bare: 0, join: 0 };
    for (const k of ["bare", "join"] as const) {
      const before = cpu();
      rates[k] = await rateOf(r[k], () => r[k].slice(1))();
      r.spent[k] += cpu() - before;
    }
    r.roundRatios.push(rates.join / rates.bare);
  }
}
for (const r of runs) {
  const b = r.bare.print();
  const j = r.join.print();
  const sorted = [...r.roundRatios].sort((x, y) => x - y);
  console.log(`${r.label}: joinRatio ${(j.perSecond / b.perSecond).toFixed(3)} (rounds: ${sorted[0]!.toFixed(2)} to ${sorted.at(-1)!.toFixed(2)}, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)}); workerd CPU per request: bare ${((r.spent.bare / b.ops) * 1e6).toFixed(0)} us, join ${((r.spent.join / j.ops) * 1e6).toFixed(0)} us`);
}
for (const { edge } of edges) await edge.stop();
bridge.stop?.();
await redis.del(eventKeys(eventId).queueState);
redis.disconnect();
await server.kill();
process.exit(0);
