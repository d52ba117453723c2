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
 * Knobs: BENCH_CROWD (10 x capacity), BENCH_ARRIVAL_SECONDS (2), BENCH_SECONDS (90, limit),
 * BENCH_MAX_ACTIVE (500: simulated fans buy at once, so a few hundred in the purchase area
 * keep the origin busy), BENCH_STAMPEDE (3000), CAPACITY_ENVIRONMENT,
 * BENCH_DB_STALL_MS (0) and BENCH_DB_STALL_AT (6 s): a slow database on purpose, another
 * transaction locks the event's seat rows that long, so the orders' inserts wait (adaptive
 * mode should back off, then creep back), BENCH_OUT (overload: the results' file name).
 * Uses the stored capacity of the environment (`bun run bench capacity`), measuring it first
 * if there is none.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import { eventKeys } from "../common/keys.ts";
import { signActiveToken } from "../common/tokens.ts";
import { forPlainRedis } from "../lua/flags.ts";
import { queueScripts, seedJoinArgs } from "../lua/queue.ts";
import { createDatabase } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { CapacityStore, measureCapacity } from "../origin/src/scheduler/capacity.ts";
import { parseSchedulerConfig } from "../origin/src/scheduler/config.ts";
import { percentile, readLatencyWindow } from "../origin/src/scheduler/latency.ts";
import { ceilingRate } from "../origin/src/scheduler/settings.ts";
import { freePort } from "../scripts/lib/free-port.ts";
import { startOrigin } from "../scripts/lib/origin-process.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../scripts/token-mint.ts";
import { benchEnv } from "./lib/env.ts";
import { plotSvg } from "./plot.ts";

const root = join(import.meta.dir, "..");
const SEATS_PER_ROW = 500;

interface Row {
  t: number;
  purchasesPerSecond: number;
  waiting: number;
  admittedPerSecond: number;
  activeSessions: number;
  p95Ms: number | null;
  /** the purchase request's p95 as the origin measured it (whole endpoint) */
  originP95Ms: number | null;
  /** the purchase database transaction's p95 (what adaptive mode steers by) */
  dbP95Ms: number | null;
  targetRate: number;
  measuredRate: number;
  inFlight: number;
}

interface FanOutcome {
  ms: number;
  ok: boolean;
}

export async function run(_args: string[] = []): Promise<void> {
  // the origin is called directly, as the edge would, with the edge's origin-auth secret
  const { env, originAuth, redisUrl, databaseUrl } = await benchEnv();
  const config = parseSchedulerConfig(env);
  const key = signingKeyFromEnv(env);
  await migrateDatabase(databaseUrl);
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const database = createDatabase(databaseUrl, 4);
  const stops: Array<() => unknown> = [];
  try {
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
    const capacityText =
      kind === "database"
        ? `database capacity ${capacity.tps} purchases/s`
        : `purchase-path capacity ${capacity.tps} purchases/s (claim + hold + purchase through the origin; it binds: the database alone measured ${dbCapacity ?? "?"} purchases/s)`;
    const crowd = Number(env.BENCH_CROWD ?? Math.round(capacity.tps * 10));
    const arrivalSeconds = Number(env.BENCH_ARRIVAL_SECONDS ?? 2);
    const limitSeconds = Number(env.BENCH_SECONDS ?? 90);
    const maxActive = Number(env.BENCH_MAX_ACTIVE ?? 500);
    const stampede = Number(env.BENCH_STAMPEDE ?? 3000);
    const stallMs = Number(env.BENCH_DB_STALL_MS ?? 0);
    const stallAt = Number(env.BENCH_DB_STALL_AT ?? 6);
    const out = env.BENCH_OUT ?? "overload";
    const machine = { cpus: navigator.hardwareConcurrency, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
    console.log(
      `bench overload: ${capacityText} (measured ${capacity.measuredAt}), admission rate ${rate.toFixed(1)}/s (${config.capacityShare} of it), crowd ${crowd} in ${arrivalSeconds}s, maxActive ${maxActive}`,
    );

    const origin = await startOrigin({
      // Fans stay on the page for the whole run (no presence refresh needed: that is the
      // edge's work in production, and here it would take CPU from the origin on the same cores).
      env: { ...env, LOG_REQUESTS: "0", ADMISSION_TICK_MS: "200", CAPACITY_ENVIRONMENT: config.environment, PRESENCE_GRACE_SECONDS: "600" },
      port: await freePort(),
    });
    stops.unshift(() => origin.stop());
    const admin = { authorization: `Bearer ${env.ADMIN_KEY}`, "content-type": "application/json" };
    const createEvent = async (id: string, seats: number) => {
      const r = await fetch(`${origin.url}/admin/events`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({
          id,
          name: "overload",
          venue: "bench",
          startsAt: new Date(Date.now() + 86_400_000).toISOString(),
          perOrderLimit: 4,
          holdSeconds: 120,
          maxActive,
          sections: [{ name: "A", rows: Math.ceil(seats / SEATS_PER_ROW), seatsPerRow: SEATS_PER_ROW, tier: "standard", priceCents: 100 }],
        }),
      });
      if (r.status !== 201) throw new Error(`creating event ${id}: ${r.status} ${await r.text()}`);
      stops.push(() => database.pool.query("DELETE FROM reservations WHERE event_id = ?", [id]));
      stops.push(() => database.pool.query("DELETE FROM orders WHERE event_id = ?", [id]));
      stops.push(() => database.pool.query("DELETE FROM seats WHERE event_id = ?", [id]));
      stops.push(() => database.pool.query("DELETE FROM events WHERE id = ?", [id]));
      stops.push(async () => {
        const keys = await redis.keys(`cu:{${id}}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.srem("cu:queues", id);
      });
    };
    const seatId = (i: number) => `A-${Math.floor(i / SEATS_PER_ROW) + 1}-${(i % SEATS_PER_ROW) + 1}`;

    /** One fan with a session: hold a seat, buy it. Returns the purchase request's latency. */
    const buy = async (eventId: string, token: string, seat: string): Promise<FanOutcome> => {
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json", "x-origin-auth": originAuth };
      const hold = await fetch(`${origin.url}/api/events/${eventId}/holds`, { method: "POST", headers: auth, body: JSON.stringify({ seatIds: [seat] }) });
      if (hold.status !== 201) return { ms: 0, ok: false };
      const { holdId } = (await hold.json()) as { holdId: string };
      const t0 = performance.now();
      const p = await fetch(`${origin.url}/api/events/${eventId}/holds/${holdId}/purchase`, { method: "POST", headers: { ...auth, "idempotency-key": crypto.randomUUID() } });
      await p.arrayBuffer();
      return { ms: performance.now() - t0, ok: p.status === 201 };
    };

    // ---- baseline: no waiting room, a stampede of fans who all buy at once ----
    const baseId = `ovb-${Date.now().toString(36)}`;
    await createEvent(baseId, stampede);
    const sessions = await mintActiveSessions(redis, { eventId: baseId, count: stampede, ttlSeconds: 600, key });
    console.log(`baseline: ${stampede} fans with sessions buy at once, no waiting room`);
    const b0 = performance.now();
    const baseOutcomes = await Promise.all(sessions.map((s, i) => buy(baseId, s.token, seatId(i)).catch(() => ({ ms: 0, ok: false }))));
    const baseSeconds = (performance.now() - b0) / 1000;
    const baseOk = baseOutcomes.filter((o) => o.ok);
    const baseline = {
      fans: stampede,
      seconds: round(baseSeconds),
      purchasesPerSecond: round(baseOk.length / baseSeconds),
      p95Ms: round(percentile(baseOk.map((o) => o.ms).sort((a, b) => a - b), 0.95) ?? 0),
      failed: stampede - baseOk.length,
    };
    console.log(`  ${baseline.purchasesPerSecond} purchases/s, purchase p95 ${baseline.p95Ms} ms, ${baseline.failed} failed`);

    // ---- the waiting room: the crowd arrives, the scheduler lets it in ----
    const eventId = `ovl-${Date.now().toString(36)}`;
    await createEvent(eventId, crowd);
    const opened = await fetch(`${origin.url}/admin/events/${eventId}/queue`, { method: "POST", headers: admin, body: JSON.stringify({ maxActive, claimSeconds: 30, sessionSeconds: 120 }) });
    if (opened.status === 409) await fetch(`${origin.url}/admin/events/${eventId}/queue`, { method: "PATCH", headers: admin, body: JSON.stringify({ maxActive, claimSeconds: 30, sessionSeconds: 120 }) });
    else if (opened.status !== 201) throw new Error(`opening the queue: ${opened.status} ${await opened.text()}`);
    const k = eventKeys(eventId);
    const joinKeys = queueScripts.joinQueue.keys(k);
    const claimKeys = queueScripts.claimTurn.keys(k);
    const joinSource = forPlainRedis(queueScripts.joinQueue.source);
    const claimSource = forPlainRedis(queueScripts.claimTurn.source);

    const started = performance.now();
    const arrivals = (async () => {
      const batch = 500;
      for (let i = 0; i < crowd; i += batch) {
        const tids = Array.from({ length: Math.min(crowd, i + batch) - i }, (_, j) => `t${i + j}-${crypto.randomUUID().slice(0, 8)}`);
        await redis.eval(joinSource, joinKeys.length, ...joinKeys, ...seedJoinArgs(Date.now(), tids));
        const due = started + ((i + batch) / crowd) * arrivalSeconds * 1000;
        if (performance.now() < due) await Bun.sleep(due - performance.now());
      }
    })();

    let nextSeat = 0;
    let inFlight = 0;
    let latencies: number[] = [];
    let failed = 0;
    const claimed = new Set<string>();
    let stop = false;
    const fans = (async () => {
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
              const outcome = await buy(eventId, token, seatId(nextSeat++));
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

    const rows: Row[] = [];
    let lastOrders = 0;
    let lastAdmitted = 0;
    const countOrders = async () => {
      const [r] = (await database.pool.query("SELECT COUNT(*) AS n FROM orders WHERE event_id = ?", [eventId])) as unknown as [[{ n: number }]];
      return Number(r[0].n);
    };
    /** a slow database on purpose: another transaction holds the event's seat rows, the orders' inserts wait for it */
    const stall = async () => {
      const blocker = await database.pool.getConnection();
      try {
        await blocker.query("START TRANSACTION");
        await blocker.query("SELECT seat_id FROM seats WHERE event_id = ? FOR UPDATE", [eventId]);
        console.log(`  (database stalled for ${stallMs} ms: the event's seat rows are locked)`);
        await Bun.sleep(stallMs);
        await blocker.query("COMMIT");
      } finally {
        blocker.release();
      }
    };
    let stalling: Promise<void> = Promise.resolve();
    for (let second = 1; second <= limitSeconds; second++) {
      const due = started + second * 1000;
      await Bun.sleep(Math.max(0, due - performance.now()));
      if (stallMs > 0 && second === stallAt) stalling = stall();
      const [orders, waiting, state, active, originSide, dbSide] = await Promise.all([
        countOrders(),
        redis.zcard(k.queue),
        redis.hmget(k.queueState, "admittedTotal", "targetRate", "admitRate"),
        redis.zcount(k.active, `(${Date.now()}`, "+inf"),
        readLatencyWindow(redis, eventId, Date.now() - 1000, "purchaseLatency"),
        readLatencyWindow(redis, eventId, Date.now() - 1000, "purchaseDbLatency"),
      ]);
      const admittedTotal = Number(state[0] ?? 0);
      const sample = latencies.sort((a, b) => a - b);
      latencies = [];
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
        inFlight,
      };
      rows.push(row);
      lastOrders = orders;
      lastAdmitted = admittedTotal;
      console.log(
        `  t=${String(second).padStart(3)}s  purchases/s ${String(row.purchasesPerSecond).padStart(5)}  waiting ${String(waiting).padStart(6)}  admitted/s ${String(row.admittedPerSecond).padStart(5)}  active ${String(active).padStart(5)}  p95 ${row.p95Ms ?? "-"} ms (origin ${row.originP95Ms ?? "-"}, db ${row.dbP95Ms ?? "-"})  target ${row.targetRate}/s`,
      );
      if (second > arrivalSeconds && waiting === 0 && inFlight === 0 && (await redis.zcard(k.admitted)) === 0) break;
    }
    stop = true;
    await Promise.all([arrivals, fans, stalling]);

    const busy = rows.filter((r) => r.t > arrivalSeconds && r.waiting > 0);
    const tpsBusy = busy.map((r) => r.purchasesPerSecond);
    const p95s = busy.map((r) => r.p95Ms).filter((v): v is number => v !== null);
    const dbP95s = busy.map((r) => r.dbP95Ms).filter((v): v is number => v !== null);
    const summary = {
      capacityKind: kind,
      capacityTps: capacity.tps,
      databaseCapacityTps: dbCapacity,
      capacityMeasuredAt: capacity.measuredAt,
      share: config.capacityShare,
      admissionRate: round(rate),
      latencyBoundMs: config.adaptive.latencyBoundMs,
      crowd,
      arrivalSeconds,
      maxActive,
      seconds: rows.length,
      purchased: lastOrders,
      failed,
      whileQueued: {
        seconds: busy.length,
        meanPurchasesPerSecond: round(mean(tpsBusy)),
        medianPurchasesPerSecond: round(median(tpsBusy)),
        maxPurchasesPerSecond: Math.max(0, ...tpsBusy),
        secondsAboveAdmissionRate: tpsBusy.filter((v) => v > rate).length,
        secondsAboveCapacity: tpsBusy.filter((v) => v > capacity.tps).length,
        meanAdmittedPerSecond: round(mean(busy.map((r) => r.admittedPerSecond))),
        minTargetRate: round(Math.min(...busy.map((r) => r.targetRate))),
        medianPurchaseP95Ms: round(median(p95s)),
        maxPurchaseP95Ms: round(Math.max(0, ...p95s)),
        medianDbP95Ms: round(median(dbP95s)),
        maxDbP95Ms: round(Math.max(0, ...dbP95s)),
      },
      baseline,
    };
    const w = summary.whileQueued;
    const ratios = {
      meanTpsOverCapacity: round(w.meanPurchasesPerSecond / capacity.tps),
      maxTpsOverCapacity: round(w.maxPurchasesPerSecond / capacity.tps),
      meanTpsOverAdmissionRate: round(w.meanPurchasesPerSecond / rate),
      maxTpsOverDatabaseCapacity: dbCapacity ? round(w.maxPurchasesPerSecond / dbCapacity) : null,
      meanTpsOverBaselineTps: round(w.meanPurchasesPerSecond / Math.max(1, baseline.purchasesPerSecond)),
      p95OverBaselineP95: round(w.medianPurchaseP95Ms / Math.max(1, baseline.p95Ms)),
    };

    mkdirSync(join(root, "bench", "results"), { recursive: true });
    writeFileSync(join(root, "bench", "results", `${out}.json`), `${JSON.stringify({ machine, summary, ratios, stall: stallMs > 0 ? { atSecond: stallAt, ms: stallMs } : null, rows }, null, 2)}\n`);
    const seconds = rows.map((r) => r.t);
    writeFileSync(
      join(root, "bench", "results", `${out}.svg`),
      await plotSvg(`Overload: ${crowd} fans in ${arrivalSeconds}s${stallMs > 0 ? `, DB stalled ${stallMs} ms at ${stallAt}s` : ""}; ${kind} capacity ${capacity.tps}/s, admission rate ${rate.toFixed(0)}/s`, seconds, [
        {
          title: `Purchases and admissions (${kind} capacity ${capacity.tps}/s${kind === "database" || dbCapacity === null ? "" : `; database alone ${dbCapacity}/s, off the scale`})`,
          unit: "per second",
          series: [
            { label: "DB purchases/s", color: "#d62728", values: rows.map((r) => r.purchasesPerSecond) },
            { label: "admitted/s", color: "#1f77b4", values: rows.map((r) => r.admittedPerSecond) },
            { label: `${config.capacityShare} x capacity`, color: "#bcbd22", values: rows.map(() => rate), dashed: true },
            { label: "capacity", color: "#7f7f7f", values: rows.map(() => capacity!.tps), dashed: true },
            // last, so it is drawn over the share line it equals while adaptive mode is not backing off
            { label: "target rate", color: "#2ca02c", values: rows.map((r) => r.targetRate), dashed: true },
          ],
        },
        { title: "Queue", unit: "fans", series: [{ label: "waiting", color: "#9467bd", values: rows.map((r) => r.waiting) }, { label: "active sessions", color: "#ff7f0e", values: rows.map((r) => r.activeSessions) }] },
        {
          title: "Purchase latency p95",
          unit: "ms",
          series: [
            { label: "at the fan", color: "#d62728", values: rows.map((r) => r.p95Ms ?? Number.NaN) },
            { label: "request (origin)", color: "#1f77b4", values: rows.map((r) => r.originP95Ms ?? Number.NaN) },
            { label: "DB transaction", color: "#2ca02c", values: rows.map((r) => r.dbP95Ms ?? Number.NaN) },
            { label: "adaptive bound", color: "#7f7f7f", values: rows.map(() => config.adaptive.latencyBoundMs), dashed: true },
          ],
        },
      ]),
    );
    const table = [
      "| t (s) | DB purchases/s | waiting | admitted/s | active sessions | purchase p95 ms (fan) | purchase request p95 ms (origin) | DB transaction p95 ms (steers) | target rate/s | measured rate/s |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rows.map((r) => `| ${r.t} | ${r.purchasesPerSecond} | ${r.waiting} | ${r.admittedPerSecond} | ${r.activeSessions} | ${r.p95Ms ?? "-"} | ${r.originP95Ms ?? "-"} | ${r.dbP95Ms ?? "-"} | ${r.targetRate} | ${r.measuredRate} |`),
    ].join("\n");
    const hovered = stallMs === 0 && w.meanPurchasesPerSecond >= 0.9 * rate && w.secondsAboveCapacity === 0;
    const md = [
      `# bench overload (${new Date().toISOString()})`,
      "",
      `${machine.cpus} cores, Bun ${machine.bun}, ${machine.platform}; the fan simulator, the origin, Redis and MariaDB share the machine.`,
      "",
      `Capacity: ${capacityText}, measured ${capacity.measuredAt} by \`bun run bench capacity\`. Admission rate ${config.capacityShare} x capacity = **${rate.toFixed(1)} fans/s** (adaptive on, bound ${config.adaptive.latencyBoundMs} ms on the purchase's database transaction p95); maxActive ${maxActive}. A crowd of **${crowd}** fans (10 x capacity) joined within ${arrivalSeconds} s; each admitted fan claims, holds one seat and buys it through the origin's HTTP API. DB purchases/s are orders committed per second, counted in MySQL.`,
      "",
      ...(stallMs > 0
        ? [
            `**Slow database on purpose:** at t = ${stallAt} s another transaction locks the event's seat rows for ${stallMs} ms (the orders' inserts wait for it), to show adaptive mode backing off on the database's latency and creeping back.`,
            "",
          ]
        : []),
      `![overload](${out}.svg)`,
      "",
      table,
      "",
      "## Summary",
      "",
      `- while fans were queued (${w.seconds} s): DB purchases/s mean **${w.meanPurchasesPerSecond}** (median ${w.medianPurchasesPerSecond}), max **${w.maxPurchasesPerSecond}**; admission rate ${rate.toFixed(1)}, capacity ${capacity.tps}${dbCapacity !== null && kind !== "database" ? `, database alone ${dbCapacity}` : ""}; seconds above the admission rate: ${w.secondsAboveAdmissionRate}, above the capacity: ${w.secondsAboveCapacity}`,
      `- admitted/s mean ${w.meanAdmittedPerSecond}; lowest target rate ${w.minTargetRate}/s; purchase p95 at the fan median ${w.medianPurchaseP95Ms} ms (max ${w.maxPurchaseP95Ms} ms); DB transaction p95 median ${w.medianDbP95Ms} ms (max ${w.maxDbP95Ms} ms)`,
      `- ${summary.purchased} purchases committed of ${crowd} fans, ${failed} fans failed`,
      `- baseline in the same run, no waiting room: ${baseline.fans} fans at once: ${baseline.purchasesPerSecond} purchases/s, purchase p95 **${baseline.p95Ms} ms**, ${baseline.failed} failed`,
      "",
      "| ratio | value |",
      "|---|---:|",
      `| mean DB purchases/s / capacity | ${ratios.meanTpsOverCapacity} |`,
      `| max DB purchases/s / capacity | ${ratios.maxTpsOverCapacity} |`,
      `| mean DB purchases/s / admission rate | ${ratios.meanTpsOverAdmissionRate} |`,
      ...(ratios.maxTpsOverDatabaseCapacity !== null && kind !== "database" ? [`| max DB purchases/s / database capacity alone | ${ratios.maxTpsOverDatabaseCapacity} |`] : []),
      `| mean DB purchases/s / baseline purchases/s | ${ratios.meanTpsOverBaselineTps} |`,
      `| purchase p95 (median) / baseline p95 | ${ratios.p95OverBaselineP95} |`,
      "",
      stallMs > 0
        ? `Adaptive mode: lowest target rate ${w.minTargetRate}/s against the ceiling ${rate.toFixed(1)}/s; DB transaction p95 max ${w.maxDbP95Ms} ms against the ${config.adaptive.latencyBoundMs} ms bound; seconds above the capacity: ${w.secondsAboveCapacity}.`
        : hovered
        ? `DB purchases hovered at the admission rate (${ratios.meanTpsOverCapacity} of the capacity on average against the configured ${config.capacityShare}) and never passed the capacity while the crowd waited.`
        : `DB purchases did not hover at the admission rate: mean ${ratios.meanTpsOverAdmissionRate} of it${w.secondsAboveCapacity > 0 ? `, and ${w.secondsAboveCapacity} s above the capacity` : ""}; see bench/README.md for why.`,
      "",
      `Run: \`bun run bench capacity && ${stallMs > 0 ? `BENCH_DB_STALL_MS=${stallMs} BENCH_DB_STALL_AT=${stallAt} BENCH_OUT=${out} ` : ""}bun run bench overload\``,
      "",
    ].join("\n");
    writeFileSync(join(root, "bench", "results", `${out}.md`), md);
    console.log(`\n${md}`);
  } finally {
    for (const s of stops) await Promise.resolve(s()).catch(() => {});
    redis.disconnect();
    await database.close();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const median = (xs: number[]) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

if (import.meta.main) await run(Bun.argv.slice(2));
