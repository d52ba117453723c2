/**
 * `bun run bench overload`: a crowd ten times what the database can serve per second
 * arrives within seconds. A real origin (its scheduler running, rate from the stored
 * capacity, adaptive mode on) admits fans; simulated fans claim their turn (the edge's
 * claim script), hold a seat and buy it through the origin's HTTP API. Every second the
 * run records committed purchases per second (counted in MySQL), queue length, admissions
 * per second, active sessions, the purchase p95 at the fan, of the purchase request in the
 * origin, and of the purchase's database transaction (what adaptive mode steers by), then
 * writes a table and a plot to bench/results/overload.{md,json,svg}.
 *
 * The capacity is the one `bun run bench capacity` stored: the lower of the database's
 * and the purchase path's (claim + hold + purchase through the origin), whichever binds
 * on this machine; the report says which.
 *
 * Baseline in the same run: the same origin with no waiting room in front, hit by a
 * stampede of fans who all hold and buy at once.
 *
 * Settings: `settings` below (`bun run bench overload --help`); the scheduler's
 * CAPACITY_ENVIRONMENT picks the stored capacity (`bun run bench capacity`), measured first
 * if there is none.
 *
 * `run` is named steps: the capacity and the origin (setup), the baseline stampede, the
 * crowd's arrivals and the admitted fans buying (load), one row a second (measure), and
 * bench/overload-report.ts (report).
 */
import { join } from "node:path";
import Redis from "ioredis";
import { eventKeys, type EventKeys } from "../common/keys.ts";
import { signActiveToken } from "../common/tokens.ts";
import { forPlainRedis } from "../lua/flags.ts";
import { redisScripts, seedJoinArgs } from "../lua/registry.ts";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { CapacityStore } from "../origin/src/admission/capacity.ts";
import { measureCapacity } from "../origin/src/modules/admission/capacity-measurement.ts";
import { parseSchedulerConfig } from "../origin/src/admission/config.ts";
import { percentile, readLatencyWindow } from "../origin/src/admission/latency.ts";
import { ceilingRate } from "../origin/src/admission/settings.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../test/kit/dev-sessions.ts";
import { benchEnv } from "./lib/env.ts";
import { declareSettings, int, num, text } from "./lib/settings.ts";
import { adminApi } from "../test/kit/events.ts";
import { withStack } from "./lib/stack.ts";
import { round, writeReport, type Baseline, type CapacityUsed, type Row } from "./overload-report.ts";

export const settings = declareSettings("overload", {
  BENCH_CROWD: int({ min: 1, max: 10_000_000, derived: "10 x the stored capacity", doc: "fans who arrive" }),
  BENCH_ARRIVAL_SECONDS: num({ default: 2, min: 0.1, max: 600, doc: "seconds the crowd arrives within" }),
  BENCH_SECONDS: int({ default: 90, min: 1, max: 3600, doc: "the run stops after this many seconds if fans are still waiting" }),
  BENCH_MAX_ACTIVE: int({ default: 500, min: 1, max: 1_000_000, doc: "fans in the purchase area at once (simulated fans buy at once, so a few hundred keep the origin busy)" }),
  BENCH_STAMPEDE: int({ default: 3000, min: 1, max: 100_000, doc: "fans of the baseline, buying at once without the waiting room" }),
  BENCH_DB_STALL_MS: int({ default: 0, min: 0, max: 600_000, doc: "a slow database on purpose: another transaction locks the event's seat rows this long (0: none)" }),
  BENCH_DB_STALL_AT: int({ default: 6, min: 1, max: 3600, doc: "second of the run the stall starts at" }),
  BENCH_OUT: text({ default: "overload", pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, shape: "a file name (letters, digits, . _ -)", doc: "results file name: bench/results/<name>.{json,md,svg}" }),
});

const root = join(import.meta.dir, "..");
const SEATS_PER_ROW = 500;
const seatId = (i: number) => `A-${Math.floor(i / SEATS_PER_ROW) + 1}-${(i % SEATS_PER_ROW) + 1}`;

interface FanOutcome {
  ms: number;
  ok: boolean;
}

export async function run(_args: string[] = []): Promise<void> {
  const parsed = settings.parse();
  const v = parsed.values;
  // the origin is called directly, as the edge would, with the edge's origin-auth secret
  const { env, originAuth, redisUrl, databaseUrl } = await benchEnv();
  const config = parseSchedulerConfig(env);
  const key = signingKeyFromEnv(env);
  await migrateDatabase(databaseUrl);
  await withStack(async (stack) => {
    const redis = new Redis(redisUrl, { enableAutoPipelining: true });
    const database = createDatabase(databaseUrl, 4);
    stack.defer("connections", async () => {
      redis.disconnect();
      await database.close();
    });
    // the events go after the origin stopped
    const scratch = stack.scratchEvents(database.pool, redis);
    const capacity = await capacityToAdmitFrom(redis, databaseUrl, config);
    const crowd = v.BENCH_CROWD ?? parsed.derived("BENCH_CROWD", Math.round(capacity.capacity.tps * 10));
    const machine = { cpus: navigator.hardwareConcurrency, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
    console.log(
      `bench overload: ${capacity.text} (measured ${capacity.capacity.measuredAt}), admission rate ${capacity.rate.toFixed(1)}/s (${capacity.share} of it), crowd ${crowd} in ${v.BENCH_ARRIVAL_SECONDS}s, maxActive ${v.BENCH_MAX_ACTIVE}`,
    );

    const origin = await stack.origin(
      // Fans stay on the page for the whole run (no presence refresh needed: that is the
      // edge's work in production, and here it would take CPU from the origin on the same cores).
      { ...env, LOG_REQUESTS: "0", ADMISSION_TICK_MS: "200", CAPACITY_ENVIRONMENT: config.environment, PRESENCE_GRACE_SECONDS: "600" },
    );
    const sales = salesApi(origin.url, env.ADMIN_KEY!, originAuth, v.BENCH_MAX_ACTIVE);
    const baseline = await stampede(redis, sales, scratch(`ovb-${Date.now().toString(36)}`), v.BENCH_STAMPEDE, key);

    // ---- the waiting room: the crowd arrives, the scheduler lets it in ----
    const eventId = scratch(`ovl-${Date.now().toString(36)}`);
    await sales.createEvent(eventId, crowd);
    await sales.openQueue(eventId);
    const k = eventKeys(eventId);
    const started = performance.now();
    const arrivals = arrive(redis, k, crowd, v.BENCH_ARRIVAL_SECONDS, started);
    const fans = admittedFansBuy(redis, k, eventId, sales, key);
    const stall = { ms: v.BENCH_DB_STALL_MS, at: v.BENCH_DB_STALL_AT };
    const seconds = await everySecond({ redis, database, k, eventId, started, limitSeconds: v.BENCH_SECONDS, arrivalSeconds: v.BENCH_ARRIVAL_SECONDS, stall, fans });
    fans.stop();
    await Promise.all([arrivals, fans.done, seconds.stalling]);

    await writeReport(
      { capacity, crowd, arrivalSeconds: v.BENCH_ARRIVAL_SECONDS, maxActive: v.BENCH_MAX_ACTIVE, stall, rows: seconds.rows, purchased: seconds.purchased, failed: fans.failed(), baseline, out: v.BENCH_OUT, effective: parsed.effective },
      machine,
    );
  });
}

/** Setup: the stored capacity of this environment (measured now if there is none) and the admission rate from it. */
async function capacityToAdmitFrom(redis: Redis, databaseUrl: string, config: ReturnType<typeof parseSchedulerConfig>): Promise<CapacityUsed> {
  const store = new CapacityStore(redis, config.environment, join(root, config.capacityFile), 0);
  let capacity = await store.get();
  if (!capacity) {
    console.log("no stored capacity: measuring it first");
    const measuring = createDatabase(databaseUrl, 64);
    capacity = await measureCapacity(measuring, { environment: config.environment, levels: [1, 2, 4, 8, 16, 32, 64], levelMs: 2000 });
    await measuring.close();
    await store.save(capacity);
  }
  const rate = ceilingRate({ rate: null }, capacity.tps, config).rate;
  const kind = capacity.kind ?? "database";
  const dbCapacity = kind === "database" ? capacity.tps : (capacity.compared?.find((c) => c.kind === "database")?.tps ?? null);
  const text =
    kind === "database"
      ? `database capacity ${capacity.tps} purchases/s`
      : `purchase-path capacity ${capacity.tps} purchases/s (claim + hold + purchase through the origin; it binds: the database alone measured ${dbCapacity ?? "?"} purchases/s)`;
  return { capacity, kind, dbCapacity, text, rate, share: config.capacityShare, latencyBoundMs: config.adaptive.latencyBoundMs };
}

/** Setup: the origin's admin and fan routes, as the bench calls them. */
function salesApi(originUrl: string, adminKey: string, originAuth: string, maxActive: number) {
  const admin = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
  const queue = JSON.stringify({ maxActive, claimSeconds: 30, sessionSeconds: 120 });
  return {
    async createEvent(id: string, seats: number) {
      await adminApi(originUrl, adminKey).createEvent({
        id,
        name: "overload",
        venue: "bench",
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        holdSeconds: 120,
        maxActive,
        sections: [{ name: "A", rows: Math.ceil(seats / SEATS_PER_ROW), seatsPerRow: SEATS_PER_ROW, tier: "standard", priceCents: 100 }],
      });
    },
    async openQueue(id: string) {
      const opened = await fetch(`${originUrl}/admin/events/${id}/queue`, { method: "POST", headers: admin, body: queue });
      if (opened.status === 409) await fetch(`${originUrl}/admin/events/${id}/queue`, { method: "PATCH", headers: admin, body: queue });
      else if (opened.status !== 201) throw new Error(`opening the queue: ${opened.status} ${await opened.text()}`);
    },
    /** One fan with a session: hold a seat, buy it. Returns the purchase request's latency. */
    async buy(eventId: string, token: string, seat: string): Promise<FanOutcome> {
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json", "x-origin-auth": originAuth };
      const hold = await fetch(`${originUrl}/api/events/${eventId}/holds`, { method: "POST", headers: auth, body: JSON.stringify({ seatIds: [seat] }) });
      if (hold.status !== 201) return { ms: 0, ok: false };
      const { holdId } = (await hold.json()) as { holdId: string };
      const t0 = performance.now();
      const p = await fetch(`${originUrl}/api/events/${eventId}/holds/${holdId}/purchase`, { method: "POST", headers: { ...auth, "idempotency-key": crypto.randomUUID() } });
      await p.arrayBuffer();
      return { ms: performance.now() - t0, ok: p.status === 201 };
    },
  };
}
type SalesApi = ReturnType<typeof salesApi>;

/** Baseline: no waiting room, a stampede of fans with sessions who all buy at once. */
async function stampede(redis: Redis, sales: SalesApi, baseId: string, fans: number, key: ReturnType<typeof signingKeyFromEnv>): Promise<Baseline> {
  await sales.createEvent(baseId, fans);
  const sessions = await mintActiveSessions(redis, { eventId: baseId, count: fans, ttlSeconds: 600, key });
  console.log(`baseline: ${fans} fans with sessions buy at once, no waiting room`);
  const b0 = performance.now();
  const outcomes = await Promise.all(sessions.map((s, i) => sales.buy(baseId, s.token, seatId(i)).catch(() => ({ ms: 0, ok: false }))));
  const seconds = (performance.now() - b0) / 1000;
  const ok = outcomes.filter((o) => o.ok);
  const baseline = {
    fans,
    seconds: round(seconds),
    purchasesPerSecond: round(ok.length / seconds),
    p95Ms: round(percentile(ok.map((o) => o.ms).sort((a, b) => a - b), 0.95) ?? 0),
    failed: fans - ok.length,
  };
  console.log(`  ${baseline.purchasesPerSecond} purchases/s, purchase p95 ${baseline.p95Ms} ms, ${baseline.failed} failed`);
  return baseline;
}

/** Load: the crowd joins the line (the edge's join script, in batches of 500) spread over the arrival seconds. */
async function arrive(redis: Redis, k: EventKeys, crowd: number, arrivalSeconds: number, started: number): Promise<void> {
  const joinKeys = redisScripts.joinQueue.keys(k);
  const joinSource = forPlainRedis(redisScripts.joinQueue.source);
  const batch = 500;
  for (let i = 0; i < crowd; i += batch) {
    const tids = Array.from({ length: Math.min(crowd, i + batch) - i }, (_, j) => `t${i + j}-${crypto.randomUUID().slice(0, 8)}`);
    await redis.eval(joinSource, joinKeys.length, ...joinKeys, ...seedJoinArgs(Date.now(), tids));
    const due = started + ((i + batch) / crowd) * arrivalSeconds * 1000;
    if (performance.now() < due) await Bun.sleep(due - performance.now());
  }
}

/** Load: every admitted fan claims the turn (the edge's claim script), signs the active token, holds and buys. */
function admittedFansBuy(redis: Redis, k: EventKeys, eventId: string, sales: SalesApi, key: ReturnType<typeof signingKeyFromEnv>) {
  const claimKeys = redisScripts.claimTurn.keys(k);
  const claimSource = forPlainRedis(redisScripts.claimTurn.source);
  let nextSeat = 0;
  let inFlight = 0;
  let latencies: number[] = [];
  let failed = 0;
  const claimed = new Set<string>();
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const admitted = await redis.zrange(k.admitted, 0, -1);
      for (const tid of admitted) {
        if (claimed.has(tid)) continue;
        claimed.add(tid);
        inFlight++;
        void (async () => {
          try {
            const sid = `s_${crypto.randomUUID().replace(/-/g, "")}`;
            const now = Date.now();
            const [code] = (await redis.eval(claimSource, claimKeys.length, ...claimKeys, tid, sid, now, 120_000)) as [number];
            if (code !== 0) return void failed++;
            const token = await signActiveToken({ evt: eventId, sid }, 120, key);
            const outcome = await sales.buy(eventId, token, seatId(nextSeat++));
            if (outcome.ok) latencies.push(outcome.ms);
            else failed++;
          } catch {
            failed++;
          } finally {
            inFlight--;
          }
        })();
      }
      await Bun.sleep(50);
    }
  })();
  return {
    done,
    stop: () => void (stop = true),
    inFlight: () => inFlight,
    failed: () => failed,
    /** the purchase latencies since the last call, sorted */
    takeLatencies: () => {
      const sample = latencies.sort((a, b) => a - b);
      latencies = [];
      return sample;
    },
  };
}
type Fans = ReturnType<typeof admittedFansBuy>;

/** Measure: one row a second (MySQL's order count, the line, the scheduler's state, the latency windows) until the line is empty or the limit. */
async function everySecond(o: {
  redis: Redis;
  database: ReturnType<typeof createDatabase>;
  k: EventKeys;
  eventId: string;
  started: number;
  limitSeconds: number;
  arrivalSeconds: number;
  stall: { ms: number; at: number };
  fans: Fans;
}): Promise<{ rows: Row[]; purchased: number; stalling: Promise<void> }> {
  const { redis, database, k, eventId, fans } = o;
  const rows: Row[] = [];
  let lastOrders = 0;
  let lastAdmitted = 0;
  const countOrders = async () => {
    const [r] = (await database.pool.query("SELECT COUNT(*) AS n FROM orders WHERE event_id = ?", [eventId])) as unknown as [[{ n: number }]];
    return Number(r[0].n);
  };
  let stalling: Promise<void> = Promise.resolve();
  for (let second = 1; second <= o.limitSeconds; second++) {
    const due = o.started + second * 1000;
    await Bun.sleep(Math.max(0, due - performance.now()));
    if (o.stall.ms > 0 && second === o.stall.at) stalling = stallDatabase(database, eventId, o.stall.ms);
    const [orders, waiting, state, active, originSide, dbSide] = await Promise.all([
      countOrders(),
      redis.zcard(k.queue),
      redis.hmget(k.queueState, "admittedTotal", "targetRate", "admitRate"),
      redis.zcount(k.active, `(${Date.now()}`, "+inf"),
      readLatencyWindow(redis, eventId, Date.now() - 1000, "purchaseLatency"),
      readLatencyWindow(redis, eventId, Date.now() - 1000, "purchaseDbLatency"),
    ]);
    const admittedTotal = Number(state[0] ?? 0);
    const sample = fans.takeLatencies();
    const row: Row = {
      t: second,
      purchasesPerSecond: orders - lastOrders,
      waiting,
      admittedPerSecond: admittedTotal - lastAdmitted,
      activeSessions: active,
      p95Ms: sample.length ? round(percentile(sample, 0.95)!) : null,
      originP95Ms: originSide.p95Ms === null ? null : round(originSide.p95Ms),
      dbP95Ms: dbSide.p95Ms === null ? null : round(dbSide.p95Ms),
      targetRate: round(Number(state[1] ?? 0)),
      measuredRate: round(Number(state[2] ?? 0)),
      inFlight: fans.inFlight(),
    };
    rows.push(row);
    lastOrders = orders;
    lastAdmitted = admittedTotal;
    console.log(
      `  t=${String(second).padStart(3)}s  purchases/s ${String(row.purchasesPerSecond).padStart(5)}  waiting ${String(waiting).padStart(6)}  admitted/s ${String(row.admittedPerSecond).padStart(5)}  active ${String(active).padStart(5)}  p95 ${row.p95Ms ?? "-"} ms (origin ${row.originP95Ms ?? "-"}, db ${row.dbP95Ms ?? "-"})  target ${row.targetRate}/s`,
    );
    if (second > o.arrivalSeconds && waiting === 0 && fans.inFlight() === 0 && (await redis.zcard(k.admitted)) === 0) break;
  }
  return { rows, purchased: lastOrders, stalling };
}

/** A slow database on purpose: another transaction holds the event's seat rows, the orders' inserts wait for it. */
async function stallDatabase(database: ReturnType<typeof createDatabase>, eventId: string, ms: number): Promise<void> {
  const blocker = await database.pool.getConnection();
  try {
    await blocker.query("START TRANSACTION");
    await blocker.query("SELECT seat_id FROM seats WHERE event_id = ? FOR UPDATE", [eventId]);
    console.log(`  (database stalled for ${ms} ms: the event's seat rows are locked)`);
    await Bun.sleep(ms);
    await blocker.query("COMMIT");
  } finally {
    blocker.release();
  }
}

if (import.meta.main) await run(Bun.argv.slice(2));
