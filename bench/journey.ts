/**
 * `bun run bench journey`: the whole fan journey through the local edge (workerd via
 * Miniflare, no wrangler dev proxy) to the origin, with fans arriving at a rate (open
 * model): join -> wait on the SSE stream until `admitted` -> claim -> hold a seat (another
 * one on 409, up to 5 tries) -> buy it. Records per-step latency histograms (HDR), status
 * counts (2xx/409/429/5xx), open streams and throughput per second; then checks, straight
 * from MySQL and Redis, that no seat was sold twice, that every order's seats are in the
 * database, that Redis' sold set matches MySQL and that, once holds have expired, every
 * seat is either sold or free. Ceilings measured in the same run: bare Worker route, bare
 * Elysia route, bare Redis script, bare insert. Writes bench/results/journey.{json,md,svg}
 * (bench/journey-report.ts). Settings: `settings` below (`bun run bench journey --help`).
 *
 * `run` is four steps: start the stack and open the sale (setup), send the fans (load),
 * check the invariants once unbought holds expired (measure), write the results (report).
 */
import { cpus, loadavg, totalmem } from "node:os";
import Redis from "ioredis";
import type * as hdr from "hdr-histogram-js";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { benchEnv } from "./lib/env.ts";
import { miniflareEdge } from "./edge-runtime.ts";
import { ensureFetchConcurrency, newHistogram, recordMs, summarize } from "./lib/latency.ts";
import { Meter, slice, warm } from "./origin-load.ts";
import { checkInvariants, type Invariant, type Sale } from "../test/kit/invariants.ts";
import { declareSettings, int, num, text, type Parsed } from "./lib/settings.ts";
import { adminApi } from "../test/kit/events.ts";
import { withStack, type Stack } from "./lib/stack.ts";
import { SseReader } from "../test/kit/sse.ts";
import { p95, STEPS, writeResults, type Ceiling, type JourneyResult, type Step, type StatusClass } from "./journey-report.ts";

export const settings = declareSettings("journey", {
  BENCH_RATE: num({ default: 200, min: 0.1, max: 100_000, doc: "fans arriving per second (open model)" }),
  BENCH_SECONDS: num({ default: 20, min: 0.1, max: 3600, doc: "seconds fans keep arriving" }),
  BENCH_SEATS: int({ min: 1, max: 1_000_000, derived: "3 x the fans", doc: "seats of the event" }),
  BENCH_ORIGINS: int({ default: 1, min: 1, max: 8, doc: "origin processes; more than one sit behind the round-robin balancer" }),
  BENCH_HOLD_SECONDS: int({ default: 5, min: 1, max: 3600, doc: "how long a hold lasts (the invariants are read once unbought holds expired)" }),
  BENCH_FAN_TIMEOUT_SECONDS: num({ default: 120, min: 1, max: 86_400, doc: "a fan waiting on the stream longer gives up" }),
  BENCH_CEILING_SECONDS: num({ default: 3, min: 0.1, max: 600, doc: "seconds each same-run ceiling is measured for" }),
  BENCH_ADMISSION_RATE: int({ min: 1, max: 100_000, derived: "the scheduler's rate, from the measured capacity", doc: "the queue's admission rate (fans/s); below the arrival rate a line builds up" }),
  BENCH_PAUSE_SECONDS: num({ default: 0, min: 0, max: 3600, doc: "admission paused for the first N seconds, so every fan arriving meanwhile waits on an open SSE stream" }),
  BENCH_RESULTS_NAME: text({ default: "journey", pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, shape: "a file name (letters, digits, . _ -)", doc: "results file name: bench/results/<name>.{json,md,svg}" }),
});

const classOf = (status: number): StatusClass =>
  status === 0 ? "error" : status === 409 ? "409" : status === 429 ? "429" : status >= 500 ? "5xx" : status >= 400 ? "4xx" : "2xx";

class Recorder {
  readonly histograms = new Map<Step, hdr.Histogram>(STEPS.map((s) => [s, newHistogram()]));
  readonly statuses = new Map<string, Record<StatusClass, number>>();
  /** `step status code` -> count, for answers other than 2xx (the JSON error code tells why) */
  readonly errorCodes = new Map<string, number>();
  readonly perSecond: Array<{ arrivals: number; purchases: number; failures: number; streams: number; purchaseMs: number[] }> = [];
  openStreams = 0;
  maxStreams = 0;
  readonly started = performance.now();

  second(): (typeof this.perSecond)[number] {
    const t = Math.floor((performance.now() - this.started) / 1000);
    while (this.perSecond.length <= t) this.perSecond.push({ arrivals: 0, purchases: 0, failures: 0, streams: this.openStreams, purchaseMs: [] });
    return this.perSecond[t]!;
  }

  record(step: Step, ms: number, status?: number) {
    recordMs(this.histograms.get(step)!, ms);
    if (status !== undefined) {
      const counts = this.statuses.get(step) ?? { "2xx": 0, "409": 0, "429": 0, "4xx": 0, "5xx": 0, error: 0 };
      counts[classOf(status)] += 1;
      this.statuses.set(step, counts);
    }
  }
}

/** Reads an SSE response until an `admitted` or `expired` event, or the deadline. */
async function waitForTurn(response: Response, deadline: number): Promise<"admitted" | "expired" | "timeout"> {
  const stream = new SseReader(response);
  try {
    const final = await stream.nextOf(["admitted", "expired"], Math.max(1, deadline - Date.now()));
    return final.event as "admitted" | "expired";
  } catch {
    return "timeout";
  } finally {
    void stream.close();
  }
}

async function fan(edgeUrl: string, eventId: string, seats: string[], rec: Recorder, timeoutMs: number, sales: Sale[]): Promise<boolean> {
  const began = performance.now();
  const deadline = Date.now() + timeoutMs;
  const step = async (name: Step, work: () => Promise<Response>): Promise<Response | null> => {
    const t = performance.now();
    try {
      const r = await work();
      rec.record(name, performance.now() - t, r.status);
      if (r.status >= 300) {
        const body = (await r.clone().json().catch(() => ({}))) as { code?: string };
        const key = `${name} ${r.status} ${body.code ?? "-"}`;
        rec.errorCodes.set(key, (rec.errorCodes.get(key) ?? 0) + 1);
      }
      return r;
    } catch {
      rec.record(name, performance.now() - t, 0);
      return null;
    }
  };
  const joined = await step("join", () => fetch(`${edgeUrl}/queue/${eventId}/join`, { method: "POST" }));
  if (!joined || (joined.status !== 200 && joined.status !== 201)) return false;
  const place = (await joined.json()) as { ticket: string; admitted: boolean };
  const ticket = { "x-queue-ticket": place.ticket };
  if (!place.admitted) {
    const t = performance.now();
    const stream = await fetch(`${edgeUrl}/queue/${eventId}/events`, { headers: { ...ticket, accept: "text/event-stream" } }).catch(() => null);
    if (!stream || stream.status !== 200) {
      rec.record("wait", performance.now() - t, stream?.status ?? 0);
      return false;
    }
    rec.openStreams += 1;
    rec.maxStreams = Math.max(rec.maxStreams, rec.openStreams);
    const outcome = await waitForTurn(stream, deadline);
    rec.openStreams -= 1;
    rec.record("wait", performance.now() - t, outcome === "admitted" ? 200 : 0);
    if (outcome !== "admitted") return false;
  }
  const claimed = await step("claim", () => fetch(`${edgeUrl}/queue/${eventId}/claim`, { method: "POST", headers: ticket }));
  if (!claimed || claimed.status !== 200) return false;
  const { activeToken } = (await claimed.json()) as { activeToken: string };
  const auth = { authorization: `Bearer ${activeToken}`, "content-type": "application/json" };
  for (let attempt = 0; attempt < 5; attempt++) {
    const seatId = seats[Math.floor(Math.random() * seats.length)]!;
    const held = await step("hold", () => fetch(`${edgeUrl}/api/events/${eventId}/holds`, { method: "POST", headers: auth, body: JSON.stringify({ seatIds: [seatId] }) }));
    if (!held) return false;
    const hold = (await held.json()) as { holdId?: string };
    if (held.status === 409) continue;
    if (held.status !== 201 || !hold.holdId) return false;
    const t = performance.now();
    const bought = await step("purchase", () =>
      fetch(`${edgeUrl}/api/events/${eventId}/holds/${hold.holdId}/purchase`, { method: "POST", headers: { ...auth, "idempotency-key": crypto.randomUUID() } }),
    );
    if (!bought || bought.status !== 201) return false;
    const order = (await bought.json()) as { orderId: string };
    sales.push({ orderId: order.orderId, seatId });
    rec.second().purchaseMs.push(performance.now() - t);
    rec.record("journey", performance.now() - began);
    return true;
  }
  return false;
}

async function ceilings(opts: { edgeUrl: string; bareUrl: string; redis: Redis; pool: ReturnType<typeof createDatabase>["pool"]; eventId: string; seconds: number }): Promise<Record<string, Ceiling>> {
  const concurrency = 32;
  const sha = (await opts.redis.script("LOAD", "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 60000) and 1 or 0")) as string;
  await opts.pool.query("DROP TABLE IF EXISTS journey_inserts");
  await opts.pool.query(
    "CREATE TABLE journey_inserts (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(64) NOT NULL, seat_id VARCHAR(32) NOT NULL, order_id VARCHAR(40) NOT NULL, created_at DATETIME(3) NOT NULL, UNIQUE KEY journey_inserts_event_seat (event_id, seat_id))",
  );
  const ops: Record<string, (i: number) => Promise<boolean>> = {
    "bare Worker route (GET /healthz, workerd)": async () => {
      const r = await fetch(`${opts.edgeUrl}/healthz`);
      await r.arrayBuffer();
      return r.ok;
    },
    "bare Elysia route": async () => {
      const r = await fetch(`${opts.bareUrl}/bare`, { method: "POST" });
      await r.arrayBuffer();
      return r.ok;
    },
    "bare Redis script (EVALSHA SET NX PX)": async (i) => (await opts.redis.evalsha(sha, 1, `cu:{${opts.eventId}}:ceiling:${i}`, "x")) === 1,
    "bare insert (mysql2, unique index)": async (i) => {
      await opts.pool.query("INSERT INTO journey_inserts (event_id, seat_id, order_id, created_at) VALUES (?, ?, ?, ?)", [opts.eventId, `S-${i}`, `o_${i}`, new Date()]);
      return true;
    },
  };
  const out: Record<string, Ceiling> = {};
  for (const [name, op] of Object.entries(ops)) {
    await warm(concurrency, 200, (i) => op(1_000_000 + i));
    const meter = new Meter(name, concurrency);
    await slice(meter, opts.seconds, op);
    const r = meter.print();
    out[name] = { name, perSecond: r.perSecond, p95ms: r.p95ms };
  }
  await opts.pool.query("DROP TABLE IF EXISTS journey_inserts");
  const keys = await opts.redis.keys(`cu:{${opts.eventId}}:ceiling:*`);
  for (let i = 0; i < keys.length; i += 1000) await opts.redis.del(...keys.slice(i, i + 1000));
  return out;
}

/** The run's settings, with the values derived from others filled in. */
function plan({ values: v, derived }: Parsed<typeof settings.declarations>) {
  const fans = Math.round(v.BENCH_RATE * v.BENCH_SECONDS);
  // unset: the scheduler's own rate (a share of the measured capacity); the event still gets one
  const admissionRateSet = v.BENCH_ADMISSION_RATE !== undefined;
  const admissionRate = v.BENCH_ADMISSION_RATE ?? Math.max(1, Math.round(v.BENCH_RATE * 1.5));
  return {
    rate: v.BENCH_RATE,
    seconds: v.BENCH_SECONDS,
    fans,
    seatCount: v.BENCH_SEATS ?? derived("BENCH_SEATS", fans * 3),
    originCount: v.BENCH_ORIGINS,
    holdSeconds: v.BENCH_HOLD_SECONDS,
    fanTimeoutMs: v.BENCH_FAN_TIMEOUT_SECONDS * 1000,
    ceilingSeconds: v.BENCH_CEILING_SECONDS,
    admissionRateSet,
    admissionRate,
    pauseSeconds: v.BENCH_PAUSE_SECONDS,
    resultsName: v.BENCH_RESULTS_NAME,
  };
}
type Plan = ReturnType<typeof plan>;

interface SaleSetup {
  eventId: string;
  seats: string[];
  moveQueue(action: "pause" | "resume"): Promise<void>;
}

export async function run(_args: string[] = []): Promise<void> {
  const parsed = settings.parse();
  const p = plan(parsed);
  await ensureFetchConcurrency(Math.max(4096, p.fans + 256));
  const { env, redisUrl, databaseUrl } = await benchEnv();
  await migrateDatabase(databaseUrl);
  const command = `BENCH_RATE=${p.rate} BENCH_SECONDS=${p.seconds} BENCH_ORIGINS=${p.originCount} ${p.admissionRateSet ? `BENCH_ADMISSION_RATE=${p.admissionRate} ` : ""}BENCH_PAUSE_SECONDS=${p.pauseSeconds} bun run bench journey`;
  const startedAt = new Date().toISOString();
  console.log(`bench journey: ${p.fans} fans at ${p.rate}/s for ${p.seconds}s through the edge (Miniflare/workerd), ${p.originCount} origin(s), ${p.seatCount} seats`);
  await withStack(async (stack) => {
    const redis = new Redis(redisUrl, { enableAutoPipelining: true });
    const database = createDatabase(databaseUrl, 32);
    stack.defer("connections", async () => {
      redis.disconnect();
      await database.close();
    });
    // the sale's event goes after every process stopped
    const scratch = stack.scratchEvents(database.pool, redis);
    const { edgeUrl, adminUrl, bareUrl } = await startStack(stack, env, redisUrl, p);
    const sale = await openSale(adminUrl, env.ADMIN_KEY!, scratch(`journey-${Date.now().toString(36)}`), p);

    console.log("ceilings (same run):");
    const ceiling = await ceilings({ edgeUrl, bareUrl, redis, pool: database.pool, eventId: sale.eventId, seconds: p.ceilingSeconds });
    const load = await sendFans(edgeUrl, sale, p);
    const invariants = await invariantsOnceHoldsExpired(redis, database, sale, load.sales, p.holdSeconds);
    await writeResults(resultOf({ command, startedAt, p, ceiling, load, invariants, seats: sale.seats.length, effective: parsed.effective }), p.resultsName);
    if (invariants.some((i) => !i.ok)) process.exitCode = 1;
  });
}

/** Setup: the origin(s) (behind the balancer when more than one), the Upstash bridge, the edge in workerd, a bare Elysia server. */
async function startStack(stack: Stack, env: Record<string, string>, redisUrl: string, p: Plan) {
  const origins = await stack.origins(p.originCount, { ...env, LOG_REQUESTS: "0", ADMISSION_TICK_MS: "200", DB_POOL_SIZE: "32" });
  const bridge = await stack.bridge(redisUrl, env.UPSTASH_REDIS_REST_TOKEN!);
  const edge = await stack.start("workerd edge", () =>
    miniflareEdge(bridge.url, {
      ORIGIN_URL: origins.url,
      JOIN_LIMIT_PER_MINUTE: "100000000",
      TICKET_LIMIT_PER_MINUTE: "100000000",
      TICK_MS: "500",
      PRESENCE_GRACE_SECONDS: "120",
    }),
  );
  const bare = await stack.bareServer(env);
  return { edgeUrl: edge.url, adminUrl: origins.origins[0]!.url, bareUrl: bare.url };
}

/** Setup: the event and its waiting room, paused when fans should first gather on their streams. */
async function openSale(adminUrl: string, adminKey: string, eventId: string, p: Plan): Promise<SaleSetup> {
  const admin = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
  await adminApi(adminUrl, adminKey).createEvent({
    id: eventId,
    name: "journey",
    venue: "bench",
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    holdSeconds: p.holdSeconds,
    maxActive: 2000,
    admissionRate: p.admissionRate,
    sections: [{ name: "A", rows: Math.ceil(p.seatCount / 500), seatsPerRow: Math.min(500, p.seatCount), tier: "standard", priceCents: 100 }],
  });
  const opened = await fetch(`${adminUrl}/admin/events/${eventId}/queue`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ maxActive: 2000, claimSeconds: 60, sessionSeconds: 300, ...(p.admissionRateSet ? { rate: p.admissionRate } : {}) }),
  });
  if (opened.status !== 201) throw new Error(`opening the queue: ${opened.status} ${await opened.text()}`);
  const moveQueue = async (action: "pause" | "resume") => {
    const r = await fetch(`${adminUrl}/admin/events/${eventId}/queue/${action}`, { method: "POST", headers: { authorization: `Bearer ${adminKey}` } });
    if (!r.ok) throw new Error(`${action} the queue: ${r.status} ${await r.text()}`);
  };
  if (p.pauseSeconds > 0) await moveQueue("pause");
  const seats = Array.from({ length: Math.ceil(p.seatCount / 500) * Math.min(500, p.seatCount) }, (_, i) => `A-${Math.floor(i / 500) + 1}-${(i % 500) + 1}`);
  return { eventId, seats, moveQueue };
}

/** Load: fans arrive at the rate (open model) and each goes through the whole journey; admission resumes after the pause. */
async function sendFans(edgeUrl: string, sale: SaleSetup, p: Plan) {
  console.log(`arrivals: ${p.rate}/s for ${p.seconds}s`);
  const rec = new Recorder();
  const sales: Sale[] = [];
  const journeys: Promise<boolean>[] = [];
  const ticker = setInterval(() => {
    const s = rec.second();
    s.streams = Math.max(s.streams, rec.openStreams);
  }, 100);
  const arrivalsStart = performance.now();
  const resume = p.pauseSeconds > 0 ? Bun.sleep(p.pauseSeconds * 1000).then(() => sale.moveQueue("resume")) : Promise.resolve();
  while (journeys.length < p.fans) {
    const due = Math.min(p.fans, Math.floor(((performance.now() - arrivalsStart) / 1000) * p.rate));
    while (journeys.length < due) {
      rec.second().arrivals += 1;
      journeys.push(
        fan(edgeUrl, sale.eventId, sale.seats, rec, p.fanTimeoutMs, sales).then((ok) => {
          const s = rec.second();
          if (ok) s.purchases += 1;
          else s.failures += 1;
          return ok;
        }),
      );
    }
    await Bun.sleep(5);
  }
  await resume;
  const outcomes = await Promise.all(journeys);
  clearInterval(ticker);
  const elapsed = (performance.now() - arrivalsStart) / 1000;
  const bought = outcomes.filter(Boolean).length;
  console.log(`${bought} of ${p.fans} fans bought a seat in ${elapsed.toFixed(1)} s; most streams open at once: ${rec.maxStreams}`);
  return { rec, sales, bought, elapsed };
}

/** Measure: once every hold that was not bought has expired, what MySQL and Redis hold. */
async function invariantsOnceHoldsExpired(redis: Redis, database: ReturnType<typeof createDatabase>, sale: SaleSetup, sales: Sale[], holdSeconds: number): Promise<Invariant[]> {
  await Bun.sleep((holdSeconds + 3) * 1000);
  const invariants = await checkInvariants(redis, database.pool, sale.eventId, sale.seats, sales);
  for (const inv of invariants) console.log(`  ${inv.ok ? "ok  " : "FAIL"} ${inv.name}: ${inv.detail}`);
  return invariants;
}

/** Report: the result as bench/journey-report.ts writes it. */
function resultOf(r: {
  command: string;
  startedAt: string;
  p: Plan;
  ceiling: Record<string, Ceiling>;
  load: Awaited<ReturnType<typeof sendFans>>;
  invariants: Invariant[];
  seats: number;
  effective: JourneyResult["effectiveSettings"];
}): JourneyResult {
  const { p, load } = r;
  const { rec } = load;
  const steps = Object.fromEntries(STEPS.map((s) => [s, { latency: summarize(rec.histograms.get(s)!), statuses: rec.statuses.get(s) ?? null }])) as JourneyResult["steps"];
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), bun: Bun.version, loadavg: loadavg() };
  const purchasesPerSecond = load.bought / load.elapsed;
  return {
    command: r.command,
    startedAt: r.startedAt,
    machine,
    runtime: "Miniflare 4 (workerd), no wrangler dev proxy",
    settings: { rate: p.rate, seconds: p.seconds, fans: p.fans, seats: r.seats, origins: p.originCount, holdSeconds: p.holdSeconds, admissionRate: p.admissionRateSet ? p.admissionRate : -1, pauseSeconds: p.pauseSeconds },
    effectiveSettings: r.effective,
    ceilings: r.ceiling,
    fans: { arrived: p.fans, bought: load.bought, failed: p.fans - load.bought, maxOpenStreams: rec.maxStreams, seconds: Math.round(load.elapsed * 10) / 10, purchasesPerSecond: Math.round(purchasesPerSecond * 10) / 10 },
    steps,
    invariants: r.invariants,
    errorCodes: Object.fromEntries([...rec.errorCodes].sort((a, b) => b[1] - a[1])),
    perSecond: rec.perSecond.map((s, t) => ({ t, arrivals: s.arrivals, purchases: s.purchases, failures: s.failures, streams: s.streams, purchaseP95ms: p95(s.purchaseMs) })),
  };
}
