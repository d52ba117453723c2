/**
 * `bun run bench edge` (or `bun bench/edge.ts`): the waiting room through the local Worker,
 * offline, with the dev Upstash bridge in front of the local Redis. Each runtime is measured
 * in the same run: `wrangler dev` (what `bun run dev` starts: a proxy in front of workerd)
 * and Miniflare (workerd only).
 *
 *   - requests/s of a bare Worker route (GET /healthz, no Redis): the baseline;
 *   - joins/s (POST /queue/:e/join: rate limit + one script call) and the ratio to the baseline;
 *   - with N open SSE streams (100, 1,000, 10,000 as far as the runtime allows) while the line
 *     moves: Redis commands/s for the event (MONITOR) and for the whole server (INFO stats
 *     deltas), shared-state reads/s, workerd memory per stream, and events delivered.
 * Fans that hold streams are seeded straight into Redis with tickets signed by the bench
 * (joining 10,000 through the Worker first would only measure joins again).
 *
 * Prints its results (bench/results/edge-local.md keeps a run's). Settings: `settings`
 * below (`bun run bench edge --help`).
 */
import type { Socket } from "node:net";
import Redis from "ioredis";
import { eventKeys } from "../common/keys.ts";
import { forPlainRedis } from "../lua/flags.ts";
import { redisScripts } from "../lua/registry.ts";
import { signQueueTicket } from "../common/tokens.ts";
import { ensureDevSecrets } from "../test/kit/dev-secrets.ts";
import { miniflareEdge, wranglerEdge, type BenchEdge } from "./edge-runtime.ts";
import { benchEnv } from "./lib/env.ts";
import { workerdRss } from "./lib/workerd-heap.ts";
import { openStream } from "./lib/sse-socket.ts";
import { choices, declareSettings, int, ints, settingsMarkdown, type EffectiveSettings } from "./lib/settings.ts";
import { withStack, type Stack } from "./lib/stack.ts";

export const settings = declareSettings("edge", {
  BENCH_SECONDS: int({ default: 5, min: 1, max: 3600, doc: "seconds each measurement runs (bare route, joins, each stream count)" }),
  BENCH_CONCURRENCY: int({ default: 64, min: 1, max: 4096, doc: "requests in flight for the bare route and the joins" }),
  BENCH_STREAMS: ints({ default: [100, 1000, 10_000], min: 1, max: 50_000, doc: "open SSE streams to measure at, rising (streams stay open from one count to the next)" }),
  BENCH_RUNTIMES: choices({ choices: ["wrangler", "miniflare"], default: ["wrangler", "miniflare"], doc: "local edges to measure, in order: wrangler dev, Miniflare (workerd only)" }),
});

let SECONDS = 0;
let CONCURRENCY = 0;
let STREAM_COUNTS: number[] = [];
const VARS = { JOIN_LIMIT_PER_MINUTE: "100000000", TICKET_LIMIT_PER_MINUTE: "100000000", TICK_MS: "1000", PRESENCE_GRACE_SECONDS: "60" };
/** places ahead of every stream fan, so the line can move during the run */
const AHEAD = 100_000;

interface Rate {
  requests: number;
  perSecond: number;
  errors: number;
  p50ms: number;
  p99ms: number;
}

async function hammer(seconds: number, concurrency: number, once: () => Promise<boolean>): Promise<Rate> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const ok = await once().catch(() => false);
        latencies.push(performance.now() - t);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { requests: latencies.length, perSecond: latencies.length / elapsed, errors, p50ms: q(0.5), p99ms: q(0.99) };
}

async function serverCommands(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info("stats"))?.[1] ?? 0);
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Counts, from MONITOR, the commands that name each bench event's keys (script calls and what they run). */
async function eventMonitor(redisUrl: string) {
  const client = new Redis(redisUrl);
  const monitor = await client.monitor();
  const sha = new Bun.CryptoHasher("sha1").update(forPlainRedis(redisScripts.readQueueState.source)).digest("hex");
  const perEvent = new Map<string, { commands: number; reads: number }>();
  monitor.on("monitor", (_t: string, args: string[]) => {
    const key = args.find((a) => String(a).startsWith("cu:{bench-"));
    const id = key ? /^cu:\{([^}]+)\}/.exec(String(key))?.[1] : undefined;
    if (!id) return;
    const c = perEvent.get(id) ?? { commands: 0, reads: 0 };
    c.commands++;
    if (String(args[0]).toLowerCase() === "evalsha" && args[1] === sha) c.reads++;
    perEvent.set(id, c);
  });
  return {
    of: (id: string) => ({ ...(perEvent.get(id) ?? { commands: 0, reads: 0 }) }),
    stop() {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

async function seedFans(redis: Redis, eventId: string, from: number, count: number, secret: string): Promise<string[]> {
  const k = eventKeys(eventId);
  const now = Date.now();
  const cookies: string[] = [];
  const pipe = redis.pipeline();
  for (let n = from; n < from + count; n++) {
    const tid = `bench-${n}`;
    pipe.zadd(k.queue, n, tid).zadd(k.seen, now, tid);
    cookies.push(`cu_q_${eventId}=${await signQueueTicket({ evt: eventId, tid, num: n }, 3600, secret)}`);
  }
  pipe.set(k.seq, from + count - 1);
  await pipe.exec();
  return cookies;
}

async function benchRuntime(stack: Stack, edge: BenchEdge, redis: Redis, monitor: Awaited<ReturnType<typeof eventMonitor>>, secret: string) {
  const stamp = Date.now().toString(36);
  const joinEvent = `bench-j-${stamp}`;
  const streamEvent = `bench-s-${stamp}`;
  const scratch = stack.scratchKeys(redis);
  scratch(joinEvent);
  scratch(streamEvent);
  await redis.hset(eventKeys(joinEvent).queueState, { status: "open" });
  await redis.hset(eventKeys(streamEvent).queueState, { status: "open" });
  const port = Number(new URL(edge.url).port);
  {
    console.log(`\n### ${edge.name} (${edge.url})\n`);
    await hammer(1, 8, async () => (await fetch(`${edge.url}/healthz`)).ok);
    await hammer(1, 8, async () => (await fetch(`${edge.url}/queue/${joinEvent}/join`, { method: "POST" })).status === 201);

    const bare = await hammer(SECONDS, CONCURRENCY, async () => {
      const res = await fetch(`${edge.url}/healthz`);
      await res.arrayBuffer();
      return res.ok;
    });
    const before = monitor.of(joinEvent).commands;
    const joins = await hammer(SECONDS, CONCURRENCY, async () => {
      const res = await fetch(`${edge.url}/queue/${joinEvent}/join`, { method: "POST" });
      await res.arrayBuffer();
      return res.status === 201;
    });
    const joinCommands = monitor.of(joinEvent).commands - before;
    console.log(`concurrency ${CONCURRENCY}, ${SECONDS} s each\n`);
    console.log("| route | req/s | vs bare | p50 ms | p99 ms | errors | Redis cmds per request |");
    console.log("|---|---|---|---|---|---|---|");
    console.log(`| GET /healthz (bare) | ${fmt(bare.perSecond)} | 1.00 | ${fmt(bare.p50ms, 1)} | ${fmt(bare.p99ms, 1)} | ${bare.errors} | 0 |`);
    console.log(
      `| POST /queue/:e/join | ${fmt(joins.perSecond)} | ${fmt(joins.perSecond / bare.perSecond, 2)} | ${fmt(joins.p50ms, 1)} | ${fmt(joins.p99ms, 1)} | ${joins.errors} | ${fmt(joinCommands / joins.requests, 1)} |`,
    );

    console.log("\nSSE streams; the serving pointer moves 5 places/s, so every stream's position changes each 1 s tick.\n");
    console.log("| open streams | open s | event Redis cmds/s (MONITOR) | server Redis cmds/s (INFO) | shared reads/s | workerd RSS MB | KB per added stream | position events/s |");
    console.log("|---|---|---|---|---|---|---|---|");
    const sk = eventKeys(streamEvent);
    await redis.set(sk.serving, 0);
    const open: Array<{ socket: Socket; events: () => number }> = [];
    let seeded = AHEAD;
    for (const target of STREAM_COUNTS) {
      const cookies = await seedFans(redis, streamEvent, seeded + 1, target - open.length, secret);
      seeded += cookies.length;
      const rssBefore = workerdRss(edge.parentPid);
      const started = performance.now();
      try {
        for (let i = 0; i < cookies.length; i += 250) {
          open.push(...(await Promise.all(cookies.slice(i, i + 250).map((c) => openStream(port, `/queue/${streamEvent}/events`, c)))));
        }
      } catch (e) {
        console.log(`| ${fmt(target)} | stopped at ${fmt(open.length)} open: ${(e as Error).message} | | | | | | |`);
        break;
      }
      const openSeconds = (performance.now() - started) / 1000;
      const mover = setInterval(() => void redis.incrby(sk.serving, 5), 1000);
      await Bun.sleep(2000);
      const c0 = await serverCommands(redis);
      const m0 = monitor.of(streamEvent);
      const e0 = open.reduce((s, o) => s + o.events(), 0);
      const t0 = performance.now();
      await Bun.sleep(SECONDS * 1000);
      const dt = (performance.now() - t0) / 1000;
      const m1 = monitor.of(streamEvent);
      const serverRate = ((await serverCommands(redis)) - c0) / dt;
      const eventRate = (open.reduce((s, o) => s + o.events(), 0) - e0) / dt;
      clearInterval(mover);
      const rss = workerdRss(edge.parentPid);
      console.log(
        `| ${fmt(open.length)} | ${fmt(openSeconds, 1)} | ${fmt((m1.commands - m0.commands) / dt, 1)} | ${fmt(serverRate)} | ${fmt((m1.reads - m0.reads) / dt, 1)} | ${fmt(rss / 2 ** 20)} | ${fmt((rss - rssBefore) / 1024 / cookies.length, 1)} | ${fmt(eventRate)} |`,
      );
    }
    for (const o of open) o.socket.destroy();
  }
}

export async function run(_args: string[] = []) {
  const { values, effective } = settings.parse();
  ({ BENCH_SECONDS: SECONDS, BENCH_CONCURRENCY: CONCURRENCY, BENCH_STREAMS: STREAM_COUNTS } = values);
  const { redisUrl } = await benchEnv();
  // the secrets the local edge binds (test/kit/workerd-edge.ts, wrangler's .dev.vars), not the environment's
  const secrets = await ensureDevSecrets();
  await withStack(async (stack) => {
    const redis = new Redis(redisUrl);
    stack.defer("redis", () => redis.disconnect());
    const bridge = await stack.bridge(redisUrl, secrets.UPSTASH_REDIS_REST_TOKEN!);
    const monitor = stack.add("MONITOR", await eventMonitor(redisUrl));
    console.log(`edge bench: ${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores; Redis ${redisUrl} behind the dev Upstash bridge`);
    console.log("server-wide Redis commands include anything else using this Redis at the time; the event column counts only the bench's keys");
    printSettings(effective);
    for (const runtime of values.BENCH_RUNTIMES) {
      // each runtime's edge and scratch events are gone before the next starts
      await withStack(async (runtimeStack) => {
        const edge = await runtimeStack.start(runtime, () => (runtime === "miniflare" ? miniflareEdge(bridge.url, VARS) : wranglerEdge(bridge.url, VARS)));
        await benchRuntime(runtimeStack, edge, redis, monitor, secrets.TICKET_SECRET!.split(",")[0]!);
      });
    }
  });
}

/** This scenario prints its results (Markdown) rather than writing a file: the settings go with them. */
function printSettings(effective: EffectiveSettings) {
  console.log(`\n${settingsMarkdown(effective).join("\n")}`);
}

if (import.meta.main) await run(Bun.argv.slice(2));
