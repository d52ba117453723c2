/**
 * `bun run bench crowd`: a crowd many times what the database can serve arrives at the
 * front door within seconds, every fan a real HTTP client through the production Worker
 * in workerd (Miniflare, the JoinBatcher bound), the dev Upstash bridge (its own process),
 * a real origin with its scheduler, Redis and MariaDB: join, wait (SSE, or for a share of
 * fans polling the JSON status), claim, hold, buy.
 *
 * In the same run, on the same host:
 *   - the purchase capacity (database alone and the purchase path; the lower is stored and
 *     the scheduler admits from it), and the crowd is sized from it (10x, at least 20,000);
 *   - ceilings: a bare Worker route, the Upstash bridge alone (one trivial script over
 *     REST), a bare Redis script; and closed-loop joins through the Worker, interleaved
 *     with the bare route, for the join ratio;
 *   - a join-only burst, to count Redis commands and Upstash requests per join with
 *     nothing else running (the crowd's totals include streams, claims and purchases).
 * During the crowd: accepted joins/s, per-step latency (HDR), every answer by status and
 * code, open streams, workerd memory (JS heap after GC, and RSS) per open stream and after
 * the streams closed, Redis commands/s and Upstash requests/s per waiting fan, purchases/s
 * read from MySQL against the capacity, and which limit bound admissions. Afterwards the
 * invariants, read from MySQL and Redis once every hold expired.
 * Writes bench/results/<name>.{json,md}. Settings: `settings` below (`bun run bench crowd --help`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import * as hdr from "hdr-histogram-js";
import Redis from "ioredis";
import { eventKeys } from "../common/keys.ts";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { freePort } from "../test/kit/free-port.ts";
import type { WorkerdEdge } from "../test/kit/workerd-edge.ts";
import { measureAndStoreCapacity, measurementOptions, measurementSettings } from "./capacity.ts";
import { STEPS, type FansInput, type FansProgress, type FansResult, type Step } from "./lib/crowd-protocol.ts";
import { benchEnv } from "./lib/env.ts";
import { declareSettings, int, num, settingsMarkdown, text } from "./lib/settings.ts";
import { adminApi } from "../test/kit/events.ts";
import { withStack } from "./lib/stack.ts";
import { checkInvariants, type Invariant, type Sale } from "../test/kit/invariants.ts";
import { ensureFetchConcurrency, summarize, type LatencySummary } from "./lib/latency.ts";
import { connectHeapReader, workerdRss } from "./lib/workerd-heap.ts";
import { openStream } from "./lib/sse-socket.ts";
import { signQueueTicket } from "../common/tokens.ts";
import { forPlainRedis } from "../lua/flags.ts";
import { redisScripts, seedJoinArgs } from "../lua/registry.ts";
import { Meter, slice, warm } from "./origin-load.ts";
import { startDurableObjectCeiling } from "./lib/durable-object-ceiling.ts";
import { requireWrk, WrkMeter } from "./lib/wrk.ts";

export const settings = declareSettings("crowd", {
  BENCH_FANS: int({ min: 1, max: 1_000_000, derived: "10 x the capacity measured in the run, at least 20,000", doc: "fans in the crowd" }),
  BENCH_ARRIVAL_SECONDS: num({ default: 10, min: 0.1, max: 600, doc: "seconds the crowd arrives within" }),
  BENCH_SSE_SHARE: num({ default: 0.4, min: 0, max: 1, doc: "share of fans waiting on SSE; the rest poll the JSON status" }),
  BENCH_DRIVERS: int({ default: 6, min: 1, max: 64, doc: "fan driver processes, as evenly over the edges" }),
  BENCH_EDGES: int({ default: 3, min: 1, max: 16, doc: "workerd processes the drivers' fans split between (each has its own JoinBatchers)" }),
  BENCH_MAX_ACTIVE: int({ default: 1500, min: 1, max: 1_000_000, doc: "fans in the purchase area at once" }),
  BENCH_HOLD_SECONDS: int({ default: 60, min: 1, max: 3600, doc: "how long a hold lasts (the invariants are read once unbought holds expired); longer than a purchase takes through the crowd's saturated edges (p99 about 30 s here), else holds expire before their purchase arrives" }),
  BENCH_FAN_TIMEOUT_SECONDS: num({ default: 400, min: 1, max: 86_400, doc: "a fan still waiting after this long gives up" }),
  BENCH_CEILING_SECONDS: int({ default: 10, min: 1, max: 600, doc: "rounds of one second each of the bare route, the Durable Object floor and the join (wrk, interleaved; the bare route and the join also asking gzip); half as many of the two through Bun's fetch, and up to 5 s each of the bridge and Redis" }),
  BENCH_STREAMS: int({ default: 10_000, min: 1, max: 20_000, doc: "open streams of the memory phase (one workerd holds them all)" }),
  BENCH_LEVEL_MS: int({ default: 2000, min: 100, max: 600_000, doc: "milliseconds each capacity level runs" }),
  ...measurementSettings,
  BENCH_CAPACITY: num({ min: 0.1, max: 10_000_000, derived: "measured in the run", doc: "skip the measurement and use this many purchases/s: for trying the bench only; results say so" }),
  BENCH_RESULTS_NAME: text({ default: "crowd", pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, shape: "a file name (letters, digits, . _ -)", doc: "results file name: bench/results/<name>.{json,md}" }),
});

const root = join(import.meta.dir, "..");
const SEATS_PER_ROW = 500;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
/** lowest, median and highest of some measures, to two places */
function spreadOf(values: number[]): { min: number; median: number; max: number } {
  const v = [...values].sort((a, b) => a - b);
  return { min: round(v[0] ?? 0), median: round(v[Math.floor(v.length / 2)] ?? 0), max: round(v.at(-1) ?? 0) };
}
const countBy = (keys: string[]) => keys.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});

interface Sample {
  t: number;
  streams: number;
  polling: number;
  joined: number;
  bought: number;
  /** MySQL paid orders of the event, counted */
  purchases: number;
  waiting: number;
  active: number;
  redisCommands: number;
  upstashRequests: number;
  rssMB: number;
}

async function redisCommands(redis: Redis): Promise<number> {
  let total = 0;
  for (const m of (await redis.info("commandstats")).matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(m[1]);
  return total;
}

async function bridgeStats(url: string, token: string): Promise<{ requests: number; commands: number }> {
  return (await (await fetch(`${url}/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as { requests: number; commands: number };
}

const ipOf = (prefix: number, i: number) => `2001:db8:ffff:${prefix.toString(16)}:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;

export async function run(_args: string[] = []): Promise<void> {
  const parsed = settings.parse();
  const v = parsed.values;
  await ensureFetchConcurrency(8192);
  const { env, redisUrl, databaseUrl } = await benchEnv();
  const arrivalSeconds = v.BENCH_ARRIVAL_SECONDS;
  const sseShare = v.BENCH_SSE_SHARE;
  const drivers = v.BENCH_DRIVERS;
  const edgeCount = v.BENCH_EDGES;
  const maxActive = v.BENCH_MAX_ACTIVE;
  const holdSeconds = v.BENCH_HOLD_SECONDS;
  const fanTimeoutMs = v.BENCH_FAN_TIMEOUT_SECONDS * 1000;
  const ceilingSeconds = v.BENCH_CEILING_SECONDS;
  const name = v.BENCH_RESULTS_NAME;
  const startedAt = new Date().toISOString();
  requireWrk();
  await migrateDatabase(databaseUrl);
  const log = (line: string) => console.log(line);
  await withStack(async (stack) => {
    const redis = new Redis(redisUrl, { enableAutoPipelining: true });
    const database = createDatabase(databaseUrl, 8);
    stack.defer("connections", async () => {
      redis.disconnect();
      await database.close();
    });
    // the scratch events go after every process stopped
    const scratchEvent = stack.scratchEvents(database.pool, redis);
    // ---- 1. capacity, measured now on this host; the scheduler admits from it ----
    let capacity: { tps: number; kind: string; rate: number; measuredNow: boolean; levels?: unknown };
    if (v.BENCH_CAPACITY !== undefined) {
      capacity = { tps: v.BENCH_CAPACITY, kind: "given (BENCH_CAPACITY)", rate: 0, measuredNow: false };
    } else {
      log("capacity (same run):");
      const m = await measureAndStoreCapacity({ redis, databaseUrl, env, levelMs: v.BENCH_LEVEL_MS, measurement: measurementOptions(v), settings: parsed.effective, log: (l) => log(`  ${l}`) });
      capacity = { tps: m.result.tps, kind: m.result.kind ?? "database", rate: m.rate, measuredNow: true, levels: m.measured.map((x) => ({ kind: x.kind, tps: x.tps, concurrency: x.concurrency, p95Ms: x.p95Ms })) };
      log(`  stored: ${capacity.kind} ${capacity.tps} purchases/s; admission rate ${capacity.rate.toFixed(0)} fans/s`);
    }
    const fans = v.BENCH_FANS ?? parsed.derived("BENCH_FANS", Math.max(20_000, Math.ceil(10 * capacity.tps)));

    // ---- 2. the stack ----
    const origin = await stack.origin({ ...env, LOG_REQUESTS: "0", ADMISSION_TICK_MS: "200", DB_POOL_SIZE: "32" });
    const bridge = await stack.bridge(redisUrl, env.UPSTASH_REDIS_REST_TOKEN!);
    const inspectorPort = await freePort();
    // Cloudflare spreads a crowd over many isolates; here each edge is one workerd process:
    // one JavaScript thread, and at most 20,000 open descriptors (the machine's ulimit)
    const edges: WorkerdEdge[] = [];
    for (let i = 0; i < edgeCount; i++) {
      const e = await stack.workerdEdge({
        upstashUrl: bridge.url,
        originUrl: origin.url,
        ...(i === 0 ? { inspectorPort } : {}),
        // the production limits, but a ticket's polls and claims are the crowd's own
        vars: { TICK_MS: "1000", PRESENCE_GRACE_SECONDS: "60", TICKET_LIMIT_PER_MINUTE: "100000" },
      });
      edges.push(e);
    }
    const edge = edges[0]!;
    const heap = await connectHeapReader(inspectorPort, () => fetch(`${edge.url}/healthz`).then((r) => r.arrayBuffer()));
    stack.defer("heap reader", () => heap.close());
    const token = env.UPSTASH_REDIS_REST_TOKEN!;
    const admin = { authorization: `Bearer ${env.ADMIN_KEY}`, "content-type": "application/json" };
    const scratch = async (label: string) => {
      const id = scratchEvent(`crowd-${label}-${Date.now().toString(36)}`);
      await redis.hset(eventKeys(id).queueState, { status: "open" });
      return id;
    };

    // ---- 3. ceilings in the same run ----
    log("ceilings (same run, closed loop, concurrency 64):");
    const concurrency = 64;
    const joinEvent = await scratch("ceiling");
    const trivial = "return redis.call('INCR', KEYS[1])";
    const sha = (await redis.script("LOAD", trivial)) as string;
    const restSha = async () =>
      (await fetch(bridge.url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(["EVALSHA", sha, "1", `cu:{${joinEvent}}:ceiling`]) })).ok;
    // the join's own floor here: one call to a Durable Object that does nothing (its own workerd)
    const nothing = await startDurableObjectCeiling();
    stack.defer("Durable Object ceiling", () => nothing.stop());
    // the front door's routes through wrk (bench/lib/wrk.ts: a client that leaves the second
    // core to the bridge and Redis), a second at a time, interleaved so they share the
    // machine's noise: the Worker's own work asking no encoding (on Cloudflare compression is
    // the front line's, here Miniflare does it on the Worker's thread), and the bare route and
    // the join once more asking gzip as browsers do; then both once more through Bun's fetch
    const wrk = {
      bare: new WrkMeter("bare", `${edge.url}/healthz`, "GET", concurrency, "identity"),
      durableObject: new WrkMeter("durable object", nothing.url, "POST", concurrency, "identity"),
      join: new WrkMeter("join", `${edge.url}/queue/${joinEvent}/join`, "POST", concurrency, "identity"),
      bareGzip: new WrkMeter("bare (gzip)", `${edge.url}/healthz`, "GET", concurrency, "gzip"),
      joinGzip: new WrkMeter("join (gzip)", `${edge.url}/queue/${joinEvent}/join`, "POST", concurrency, "gzip"),
    };
    const ops = {
      bare: async () => {
        const r = await fetch(`${edge.url}/healthz`);
        await r.arrayBuffer();
        return r.ok;
      },
      join: async (i) => {
        const r = await fetch(`${edge.url}/queue/${joinEvent}/join`, { method: "POST", headers: { "cf-connecting-ip": ipOf(1, i) } });
        await r.arrayBuffer();
        return r.status === 201;
      },
      bridge: restSha,
      redis: async () => ((await redis.evalsha(sha, 1, `cu:{${joinEvent}}:ceiling`)) as number) > 0,
    } satisfies Record<string, (i: number) => Promise<boolean>>;
    const meters = { bareFetch: new Meter("bare (Bun's fetch)", concurrency), joinFetch: new Meter("join (Bun's fetch)", concurrency), bridge: new Meter("bridge", concurrency), redis: new Meter("redis", concurrency) };
    for (const op of Object.values(ops)) await warm(concurrency, 200, (i) => op(10_000_000 + i));
    for (const m of Object.values(wrk)) await new WrkMeter(m.name, m.url, m.method, m.concurrency, m.encoding).slice(1);
    // each round's pair of one-second slices, join over bare: how far one such measure moves here
    const roundRatios: number[] = [];
    const served = (m: WrkMeter) => {
      const r = m.result();
      return { done: r.ops - r.errors, seconds: r.seconds };
    };
    for (let s = 0; s < ceilingSeconds; s++) {
      const before = { bare: served(wrk.bare), join: served(wrk.join) };
      for (const m of Object.values(wrk)) await m.slice(1);
      const after = { bare: served(wrk.bare), join: served(wrk.join) };
      const rate = (k: "bare" | "join") => (after[k].done - before[k].done) / (after[k].seconds - before[k].seconds);
      roundRatios.push(rate("join") / rate("bare"));
    }
    for (let s = 0; s < Math.ceil(ceilingSeconds / 2); s++) {
      await slice(meters.bareFetch, 1, ops.bare);
      await slice(meters.joinFetch, 1, (i) => ops.join(meters.joinFetch.next + i));
    }
    await slice(meters.bridge, Math.min(ceilingSeconds, 5), ops.bridge);
    await slice(meters.redis, Math.min(ceilingSeconds, 5), ops.redis);
    const ceilings = Object.fromEntries([...Object.entries(wrk), ...Object.entries(meters)].map(([k, m]) => [k, m.print()]));
    const bareRouteRps = ceilings.bare!.perSecond;
    const joinsPerSecond = ceilings.join!.perSecond;

    // ---- 4. what one join costs: a burst of joins alone ----
    const burstFans = Math.min(10_000, fans);
    const burstEvent = await scratch("burst");
    await Bun.sleep(1000);
    const quiet0 = await redisCommands(redis);
    await Bun.sleep(1000);
    const background = (await redisCommands(redis)) - quiet0 - 1; // the scheduler's ticks and the like, per second
    const c0 = await redisCommands(redis);
    const b0 = await bridgeStats(bridge.url, token);
    const burstStart = performance.now();
    // a connection reset before any answer is sent again once on a new connection, as the
    // crowd's fans (and browsers) do; every answer and network error is counted by kind
    const burstStatuses = await Promise.all(
      Array.from({ length: burstFans }, async (_, i) => {
        const send = (init: RequestInit) => fetch(`${edge.url}/queue/${burstEvent}/join`, { method: "POST", headers: { "cf-connecting-ip": ipOf(2, i) }, ...init });
        const codeOf = (e: unknown) => (e as { code?: string })?.code ?? String(e);
        let resent = "";
        const r = await send({}).catch(async (e: unknown) => {
          if (codeOf(e) !== "ECONNRESET") throw e;
          resent = " (resent after ECONNRESET)";
          return send({ keepalive: false });
        }).catch((e: unknown) => `network error ${codeOf(e)}`);
        if (typeof r === "string") return r + resent;
        await r.arrayBuffer();
        return `${r.status}${resent}`;
      }),
    );
    const burstSeconds = (performance.now() - burstStart) / 1000;
    const c1 = await redisCommands(redis);
    const b1 = await bridgeStats(bridge.url, token);
    const burstCommands = c1 - c0 - 1 - Math.max(0, background) * burstSeconds;
    const burstPlaced = burstStatuses.filter((s) => s.startsWith("201")).length;
    const redisCommandsPerJoin = round(burstCommands / burstPlaced);
    const upstashRequestsPerJoin = round((b1.requests - b0.requests - 2) / burstPlaced, 3);
    log(`join burst: ${burstPlaced} of ${burstFans} placed in ${burstSeconds.toFixed(1)} s; ${redisCommandsPerJoin} Redis commands and ${upstashRequestsPerJoin} Upstash requests per join`);

    // ---- 5. memory per open stream: 10,000 waiting fans seeded into a line, each on its own stream ----
    const streamFans = v.BENCH_STREAMS;
    const streamEvent = await scratch("streams");
    const sk = eventKeys(streamEvent);
    const secret = env.TICKET_SECRET!.split(",")[0]!;
    const tickets: string[] = [];
    for (let i = 0; i < streamFans; i += 1000) {
      const tids = Array.from({ length: Math.min(1000, streamFans - i) }, (_, j) => `s${i + j}`);
      await redis.eval(forPlainRedis(redisScripts.joinQueue.source), redisScripts.joinQueue.keys(sk).length, ...redisScripts.joinQueue.keys(sk), ...seedJoinArgs(Date.now(), tids));
      for (const [j, tid] of tids.entries()) tickets.push(`cu_q_${streamEvent}=${await signQueueTicket({ evt: streamEvent, tid, num: i + j + 1 }, 3600, secret)}`);
    }
    const streamHeapBefore = await heap.usedAfterGc();
    const streamRssBefore = workerdRss(process.pid);
    const sockets: Awaited<ReturnType<typeof openStream>>[] = [];
    for (let i = 0; i < tickets.length; i += 250) sockets.push(...(await Promise.all(tickets.slice(i, i + 250).map((c) => openStream(edge.port, `/queue/${streamEvent}/events`, c, 120_000)))));
    await Bun.sleep(2000);
    const streamHeapOpen = await heap.usedAfterGc();
    const streamRssOpen = workerdRss(process.pid);
    for (const so of sockets) so.socket.destroy();
    // a stream notices its fan left at its next write (a heartbeat at most): wait for two
    await Bun.sleep(2 * 10_000 + 2000);
    const streamHeapClosed = await heap.usedAfterGc();
    const streamRssClosed = workerdRss(process.pid);
    const streamsMemory = {
      streams: sockets.length,
      heapPerStreamKB: round((streamHeapOpen - streamHeapBefore) / sockets.length / 1024, 1),
      rssPerStreamKB: round((streamRssOpen - streamRssBefore) / sockets.length / 1024, 1),
      heapBeforeMB: round(streamHeapBefore / 2 ** 20, 1),
      heapOpenMB: round(streamHeapOpen / 2 ** 20, 1),
      heapAfterCloseMB: round(streamHeapClosed / 2 ** 20, 1),
      rssBeforeMB: round(streamRssBefore / 2 ** 20, 0),
      rssOpenMB: round(streamRssOpen / 2 ** 20, 0),
      rssAfterCloseMB: round(streamRssClosed / 2 ** 20, 0),
    };
    log(`streams: ${sockets.length} open: ${streamsMemory.heapPerStreamKB} KB heap and ${streamsMemory.rssPerStreamKB} KB RSS per stream; heap ${streamsMemory.heapBeforeMB} -> ${streamsMemory.heapOpenMB} -> ${streamsMemory.heapAfterCloseMB} MB after they closed`);

    // ---- 6. the sale ----
    const eventId = scratchEvent(`crowd-${Date.now().toString(36)}`);
    const rows = Math.ceil(fans / SEATS_PER_ROW);
    const seatCount = rows * SEATS_PER_ROW;
    await adminApi(origin.url, env.ADMIN_KEY).createEvent({
      id: eventId,
      name: "crowd",
      venue: "bench",
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      holdSeconds,
      sections: [{ name: "A", rows, seatsPerRow: SEATS_PER_ROW, tier: "standard", priceCents: 100 }],
    });
    const opened = await fetch(`${origin.url}/admin/events/${eventId}/queue`, { method: "POST", headers: admin, body: JSON.stringify({ maxActive, claimSeconds: 60, sessionSeconds: 300 }) });
    if (opened.status !== 201) throw new Error(`opening the queue: ${opened.status} ${await opened.text()}`);
    const stateAtOpen = await redis.hgetall(eventKeys(eventId).queueState);

    const rssBefore = workerdRss(process.pid);
    log(`crowd through ${edges.length} workerd process(es): ${fans} fans within ${arrivalSeconds} s (${(fans / arrivalSeconds).toFixed(0)}/s offered), ${Math.round(sseShare * 100)}% on SSE, the rest polling; ${drivers} driver processes; ${seatCount} seats; maxActive ${maxActive}`);
    const startAt = Date.now() + 2000;
    const progress = new Map<number, FansProgress>();
    const results: FansResult[] = [];
    const children = Array.from({ length: drivers }, (_, d) => {
      const input: FansInput = { edgeUrl: edges[d % edges.length]!.url, eventId, first: d, step: drivers, total: fans, startAt, arrivalSeconds, sseShare, seats: seatCount, seatsPerRow: SEATS_PER_ROW, timeoutMs: fanTimeoutMs };
      const child = stack.process(
        `fan driver ${d}`,
        Bun.spawn(["bun", join(import.meta.dir, "crowd-fans.ts")], {
          env: { ...process.env, CROWD_FANS: JSON.stringify(input), BUN_CONFIG_MAX_HTTP_REQUESTS: "20000" },
          stdout: "pipe",
          stderr: "inherit",
        }),
      );
      const done = (async () => {
        const decoder = new TextDecoder();
        let text = "";
        const reader = child.stdout.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          text += decoder.decode(r.value, { stream: true });
          const lines = text.split("\n");
          text = lines.pop()!;
          for (const line of lines) {
            if (line.startsWith("P ")) progress.set(d, JSON.parse(line.slice(2)));
            else if (line.startsWith("R ")) results.push(JSON.parse(line.slice(2)));
          }
        }
        await child.exited;
      })();
      return done;
    });

    const samples: Sample[] = [];
    let peak = { streams: 0, heap: 0, rss: 0, at: 0 };
    const k = eventKeys(eventId);
    const sum = (f: keyof FansProgress) => [...progress.values()].reduce((s, p) => s + p[f], 0);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await Bun.sleep(1000);
        const [[orders]] = (await database.pool.query("SELECT COUNT(*) AS n FROM orders WHERE event_id = ? AND status = 'paid'", [eventId])) as unknown as [[{ n: number }]];
        const streams = sum("streams");
        const s: Sample = {
          t: round((Date.now() - startAt) / 1000, 1),
          streams,
          polling: sum("polling"),
          joined: sum("joined"),
          bought: sum("bought"),
          purchases: Number(orders!.n),
          waiting: await redis.zcard(k.queue),
          active: (await redis.zcard(k.active)) + (await redis.zcard(k.admitted)),
          redisCommands: await redisCommands(redis),
          upstashRequests: (await bridgeStats(bridge.url, token)).requests,
          rssMB: round(workerdRss(process.pid) / 2 ** 20, 0),
        };
        samples.push(s);
        // workerd's memory at the most streams seen (the JS heap is measured without the
        // crowd, above: a full GC in the middle of it stalls the isolate for too long)
        if (streams > peak.streams) peak = { streams, heap: 0, rss: workerdRss(process.pid), at: s.t };
        log(`  t=${s.t}s joined ${s.joined} waiting ${s.waiting} streams ${s.streams} polling ${s.polling} in purchase area ${s.active} bought ${s.purchases} workerd ${s.rssMB} MB`);
      }
    })();
    await Promise.all(children);
    sampling = false;
    await sampler;
    const rssAfter = workerdRss(process.pid);
    const heapAfter = await heap.usedAfterGc().catch(() => Number.NaN);
    await Bun.sleep((holdSeconds + 3) * 1000);
    const sales: Sale[] = results.flatMap((r) => r.sales);
    const seats = Array.from({ length: seatCount }, (_, i) => `A-${Math.floor(i / SEATS_PER_ROW) + 1}-${(i % SEATS_PER_ROW) + 1}`);
    const invariants = await checkInvariants(redis, database.pool, eventId, seats, sales);
    for (const inv of invariants) log(`  ${inv.ok ? "ok  " : "FAIL"} ${inv.name}: ${inv.detail}`);

    // ---- 7. results ----
    const steps = Object.fromEntries(
      STEPS.map((s) => {
        const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
        for (const r of results) h.add(hdr.decodeFromCompressedBase64(r.histograms[s]));
        return [s, summarize(h)];
      }),
    ) as Record<Step, LatencySummary>;
    const answers: Record<string, number> = {};
    for (const r of results) for (const [key, n] of Object.entries(r.answers)) answers[key] = (answers[key] ?? 0) + n;
    const status: Record<string, number> = {};
    let resent = 0;
    for (const [key, n] of Object.entries(answers)) {
      const code = key.split(" ")[1]!;
      // a request sent again after its reused connection was reset: not an answer
      if (code === "resent") {
        resent += n;
        continue;
      }
      status[code] = (status[code] ?? 0) + n;
    }
    const fiveXx = Object.entries(status).filter(([code]) => Number(code) >= 500 || code === "0").reduce((s, [, n]) => s + n, 0);
    const placed = results.reduce((s, r) => s + r.placed, 0);
    const bought = results.reduce((s, r) => s + r.bought, 0);
    const firstJoin = Math.min(...results.map((r) => r.firstJoinMs));
    const lastJoin = Math.max(...results.map((r) => r.lastJoinMs));
    const acceptedJoinsPerSecond = round(placed / ((lastJoin - firstJoin) / 1000), 0);
    const maxStreams = Math.max(...samples.map((s) => s.streams), 0);
    const memoryPerStreamKB = streamsMemory.heapPerStreamKB;
    const rssPerStreamKB = streamsMemory.rssPerStreamKB;

    // purchases per second from MySQL's counts, over the seconds fans were waiting for their turn
    const perSecond = samples.map((s, i) => ({ ...s, purchasesPerSecond: i === 0 ? s.purchases : s.purchases - samples[i - 1]!.purchases }));
    const lineSeconds = perSecond.filter((s) => s.waiting > 0 && s.t > 1);
    const meanPurchases = lineSeconds.length ? lineSeconds.reduce((s, x) => s + x.purchasesPerSecond, 0) / lineSeconds.length : 0;
    const maxPurchases = Math.max(0, ...lineSeconds.map((s) => s.purchasesPerSecond));
    const fullArea = lineSeconds.filter((s) => s.active >= maxActive * 0.95).length;
    const admissionRate = Number(stateAtOpen.admitRate ?? 0) || capacity.rate;
    const binds =
      fullArea > lineSeconds.length / 2
        ? `maxActive (${maxActive}): the purchase area was full in ${fullArea} of ${lineSeconds.length} seconds with fans waiting, so admissions waited for fans to finish`
        : `the admission rate (${admissionRate.toFixed(0)} fans/s from the capacity): the purchase area was full in only ${fullArea} of ${lineSeconds.length} seconds with fans waiting`;
    // Redis and Upstash work per waiting fan, over the seconds with at least 1,000 waiting
    const waitingSeconds = perSecond.filter((s, i) => i > 0 && s.waiting >= 1000);
    const perFan = (f: (s: Sample, prev: Sample) => number) =>
      waitingSeconds.length ? round(waitingSeconds.reduce((acc, s) => acc + f(s, perSecond[perSecond.indexOf(s) - 1]!) / s.waiting, 0) / waitingSeconds.length, 3) : null;
    const redisCommandsPerWaitingFanSecond = perFan((s, p) => s.redisCommands - p.redisCommands);
    const upstashRequestsPerWaitingFanSecond = perFan((s, p) => s.upstashRequests - p.upstashRequests);

    const result = {
      command: `bun run bench crowd${parsed.effective.BENCH_FANS!.from === "environment" ? ` (BENCH_FANS=${fans})` : ""}`,
      startedAt,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), bun: Bun.version, loadavg: loadavg() },
      runtime: `Miniflare 4 (workerd) with the JoinBatcher Durable Object, no wrangler dev proxy; the crowd split over ${edges.length} workerd process(es), each with its own JoinBatchers (one Durable Object namespace in production); ceilings and the memory phase on the first`,
      fans,
      arrivalSeconds,
      placed,
      bought,
      joinsPerSecond,
      bareRouteRps,
      joinRatio: round(joinsPerSecond / bareRouteRps, 3),
      /** the same ratio in each round's pair of one-second slices: the noise one measure carries */
      joinRatioRounds: spreadOf(roundRatios),
      durableObjectRouteRps: ceilings.durableObject!.perSecond,
      durableObjectRatio: round(ceilings.durableObject!.perSecond / bareRouteRps),
      joinOfDurableObjectCeiling: round(joinsPerSecond / ceilings.durableObject!.perSecond),
      loadGenerator: "wrk -t1 -c64 (bench/lib/wrk.ts)",
      joinRatioGzip: round(ceilings.joinGzip!.perSecond / ceilings.bareGzip!.perSecond, 3),
      joinRatioThroughBunFetch: round(ceilings.joinFetch!.perSecond / ceilings.bareFetch!.perSecond, 3),
      acceptedJoinsPerSecond,
      redisCommandsPerJoin,
      upstashRequestsPerJoin,
      redisCommandsPerWaitingFanSecond,
      upstashRequestsPerWaitingFanSecond,
      status,
      fiveXx,
      resentAfterConnectionReset: resent,
      invariantsHeld: invariants.every((i) => i.ok),
      memoryPerStreamKB,
      rssPerStreamKB,
      streamsMemory,
      crowdMemory: {
        streamsAtPeak: peak.streams,
        heapAfterStreamsClosedMB: round(heapAfter / 2 ** 20, 1),
        rssBeforeMB: round(rssBefore / 2 ** 20, 0),
        rssAtPeakMB: round(peak.rss / 2 ** 20, 0),
        rssAfterStreamsClosedMB: round(rssAfter / 2 ** 20, 0),
      },
      maxStreams,
      reconnects: results.reduce((s, r) => s + r.reconnects, 0),
      capacity,
      admission: { rate: round(admissionRate, 1), maxActive, binds, meanPurchasesPerSecond: round(meanPurchases, 1), maxPurchasesPerSecond: maxPurchases, meanOfCapacity: round(meanPurchases / capacity.tps), maxOfCapacity: round(maxPurchases / capacity.tps) },
      settings: { sseShare, drivers, holdSeconds, maxActive, seats: seatCount },
      effectiveSettings: parsed.effective,
      ceilings,
      joinBurst: { fans: burstFans, placed: burstPlaced, seconds: round(burstSeconds, 2), backgroundCommandsPerSecond: background, statuses: countBy(burstStatuses) },
      steps,
      answers,
      invariants,
      perSecond,
    };
    writeResults(result, name);
    if (!result.invariantsHeld) process.exitCode = 1;
  });
}

function writeResults(r: any, name: string) {
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(r, null, 2) + "\n");
  const c = r.ceilings as Record<string, { perSecond: number; p50ms: number; p95ms: number }>;
  const answers = Object.entries(r.answers as Record<string, number>)
    .filter(([k]) => !/ 2\d\d $/.test(k))
    .sort((a, b) => b[1] - a[1]);
  const md = [
    "# A crowd through the front door",
    "",
    `\`${r.command}\` — ${r.startedAt}; ${r.machine.cpus} cores (${r.machine.model}), ${r.machine.memoryGiB} GiB, Bun ${r.machine.bun}; load average at the end ${r.machine.loadavg.map((l: number) => l.toFixed(1)).join(" ")}.`,
    `Edge: ${r.runtime}. The fans' driver processes, workerd, the Upstash bridge, the origin, Redis and MariaDB share the machine.`,
    "",
    "## Ceilings and the join, same run (closed loop, concurrency 64)",
    "",
    `Load from ${r.loadGenerator}, one-second slices of the Worker routes interleaved, asking no encoding: the Worker's own work, as Cloudflare counts it (there the front line compresses answers; here Miniflare compresses them on the Worker's thread). Asking gzip as browsers do, in the same rounds: the bare route ${c.bareGzip!.perSecond} req/s, the join ${c.joinGzip!.perSecond}, a ratio of **${r.joinRatioGzip}**. Through Bun's fetch (gzip), interleaved too: ${c.bareFetch!.perSecond} and ${c.joinFetch!.perSecond}, a ratio of ${r.joinRatioThroughBunFetch} (that client takes a share of the core the bridge and Redis need). The bridge and Redis are loaded from Bun.`,
    "",
    "| what | req/s | p50 ms | p95 ms | ratio |",
    "|---|---:|---:|---:|---:|",
    `| bare Worker route (GET /healthz, no encoding asked) | ${c.bare!.perSecond} | ${c.bare!.p50ms} | ${c.bare!.p95ms} | 1.00 |`,
    `| a Worker route making one call to a Durable Object that does nothing (the join's floor; its own workerd) | ${c.durableObject!.perSecond} | ${c.durableObject!.p50ms} | ${c.durableObject!.p95ms} | ${r.durableObjectRatio} of the bare route |`,
    `| **join** (POST /queue/:e/join, a new IP each, no encoding asked) | ${c.join!.perSecond} | ${c.join!.p50ms} | ${c.join!.p95ms} | **${r.joinRatio}** of the bare route, ${r.joinOfDurableObjectCeiling} of the Durable Object floor |`,
    `| Upstash bridge alone (one trivial script over REST) | ${c.bridge!.perSecond} | ${c.bridge!.p50ms} | ${c.bridge!.p95ms} | |`,
    `| bare Redis script (EVALSHA) | ${c.redis!.perSecond} | ${c.redis!.p50ms} | ${c.redis!.p95ms} | |`,
    "",
    `The join's ratio in each round's pair of one-second slices: ${r.joinRatioRounds.min} to ${r.joinRatioRounds.max}, median ${r.joinRatioRounds.median} (how far one such measure moves on this machine; the ratio above is of the rounds' totals).`,
    "",
    `What one join costs, from a burst of ${r.joinBurst.fans} joins alone (${r.joinBurst.placed} placed in ${r.joinBurst.seconds} s; answers ${Object.entries(r.joinBurst.statuses).map(([k, v]) => `${k}: ${v}`).join(", ")}): **${r.redisCommandsPerJoin} Redis commands** (INFO commandstats, every command a script runs included, the ${r.joinBurst.backgroundCommandsPerSecond}/s of background work subtracted) and **${r.upstashRequestsPerJoin} Upstash requests** per join.`,
    "",
    "## Memory per open stream",
    "",
    `${r.streamsMemory.streams} waiting fans, each on its own SSE stream (raw sockets), nothing else running: **${r.memoryPerStreamKB} KB of JS heap per stream** (the isolate's heap after a full GC, read from workerd's inspector: ${r.streamsMemory.heapBeforeMB} MB before, ${r.streamsMemory.heapOpenMB} MB with them open, **${r.streamsMemory.heapAfterCloseMB} MB after they closed**). The workerd processes' RSS grew ${r.rssPerStreamKB} KB per stream (${r.streamsMemory.rssBeforeMB} MB, ${r.streamsMemory.rssOpenMB} MB, ${r.streamsMemory.rssAfterCloseMB} MB after): the runtime's own connection buffers, doubled locally because Miniflare's entry worker proxies every request, and not handed back to the system by the allocator; on Cloudflare an isolate's 128 MB limit counts its JS heap.`,
    "",
    "## The crowd",
    "",
    `Capacity ${r.capacity.measuredNow ? "measured in this run" : "GIVEN, not measured"}: **${r.capacity.tps} purchases/s** (${r.capacity.kind}); admission rate ${r.admission.rate} fans/s; maxActive ${r.admission.maxActive}.`,
    `**${r.fans} fans** (${(r.fans / r.capacity.tps).toFixed(1)} x capacity) arrived within ${r.arrivalSeconds} s, ${Math.round(r.settings.sseShare * 100)}% waiting on SSE and the rest polling the JSON status; **${r.placed} placed**, ${r.bought} bought. Accepted joins: **${r.acceptedJoinsPerSecond}/s** (first join sent to last join answered). At most ${r.maxStreams} streams open at once; ${r.reconnects} stream reconnects.`,
    "",
    `- Which limit bound admissions: ${r.admission.binds}.`,
    `- DB purchases/s while fans waited (MySQL counts): mean ${r.admission.meanPurchasesPerSecond} = ${r.admission.meanOfCapacity} of capacity, max ${r.admission.maxPurchasesPerSecond} = ${r.admission.maxOfCapacity}.`,
    `- workerd at the crowd's peak of ${r.crowdMemory.streamsAtPeak} streams (everything else the sale holds included: polls, claims, purchases in flight): RSS ${r.crowdMemory.rssBeforeMB} MB before, ${r.crowdMemory.rssAtPeakMB} MB at the peak, ${r.crowdMemory.rssAfterStreamsClosedMB} MB after; JS heap after a GC once the crowd was gone: ${r.crowdMemory.heapAfterStreamsClosedMB} MB.`,
    `- Redis commands per waiting fan per second: ${r.redisCommandsPerWaitingFanSecond}; Upstash requests per waiting fan per second: ${r.upstashRequestsPerWaitingFanSecond} (all the sale's work over the seconds with 1,000 or more waiting, divided by the fans waiting).`,
    `- Requests sent again, once, after the kept-alive connection they reused was reset before any answer (as browsers do): ${r.resentAfterConnectionReset}.`,
    `- Server errors (5xx) and network errors: **${r.fiveXx}**. Answers by status: ${Object.entries(r.status).map(([k, v]) => `${k}: ${v}`).join(", ")}.`,
    "",
    "| step | count | p50 ms | p95 ms | p99 ms | max ms |",
    "|---|---:|---:|---:|---:|---:|",
    ...Object.entries(r.steps as Record<string, LatencySummary>).map(([s, l]) => `| ${s} | ${l.count} | ${l.p50ms} | ${l.p95ms} | ${l.p99ms} | ${l.maxMs} |`),
    "",
    `Answers other than 2xx, by step, status and code: ${answers.map(([k, v]) => `${k.trim()}: ${v}`).join("; ") || "none"}.`,
    "",
    "## Invariants (MySQL and Redis, after every hold expired)",
    "",
    ...(r.invariants as Invariant[]).map((i) => `- ${i.ok ? "ok" : "**FAILED**"}: ${i.name} — ${i.detail}`),
    "",
    "## Over time",
    "",
    "| t s | joined | waiting | streams | polling | in purchase area | purchases/s (MySQL) | Redis cmds/s | Upstash req/s | workerd MB |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...(r.perSecond as Array<Sample & { purchasesPerSecond: number }>).map((s, i, all) => {
      const prev = all[i - 1];
      return `| ${s.t} | ${s.joined} | ${s.waiting} | ${s.streams} | ${s.polling} | ${s.active} | ${s.purchasesPerSecond} | ${prev ? s.redisCommands - prev.redisCommands : ""} | ${prev ? s.upstashRequests - prev.upstashRequests : ""} | ${s.rssMB} |`;
    }),
    "",
    ...settingsMarkdown(r.effectiveSettings),
  ];
  writeFileSync(join(dir, `${name}.md`), md.join("\n"));
  console.log(`results: bench/results/${name}.{md,json}`);
}
