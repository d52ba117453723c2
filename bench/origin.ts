/**
 * `bun run bench origin`: in one run, on this machine,
 *   ceilings: a bare Elysia route, a bare Redis EVALSHA (SET NX PX of one key), a bare
 *             mysql2 insert (one row under a unique index), a bare Elysia route doing one
 *             such EVALSHA (what a hold route could reach if it did nothing else), the
 *             purchase transaction alone (insertOrder from this process), and a bare Elysia
 *             route doing only that transaction (likewise for a purchase route);
 *   origin:   POST /holds (one seat) and POST /purchase under the same concurrency,
 * then prints throughput, p50/p95/p99, the ratios hold / bare Elysia and
 * purchase / bare insert, and the CPU each process (driver, origin, bare server, Redis,
 * MariaDB) spent per operation, and writes bench/results/origin.{json,md}.
 *
 * Phases are interleaved in BENCH_ROUNDS rounds (bare, EVALSHA, insert, hold, purchase,
 * bare, ...) so that outside load on a shared machine hits baselines and subjects alike.
 * Settings: `settings` below (`bun run bench origin --help`).
 * The origin runs with its per-request access log off (LOG_REQUESTS=0): the bench measures
 * the hold and purchase paths, not terminal output.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { mintActiveSessions, signingKeyFromEnv, type MintedSession } from "../test/kit/dev-sessions.ts";
import { connectionOptions } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { insertOrder } from "../origin/src/modules/orders/repository.ts";
import { Meter, slice, warm, type LoadResult } from "./origin-load.ts";
import { findProcess, ProcessCpu } from "./lib/process-cpu.ts";
import { benchEnv } from "./lib/env.ts";
import { declareSettings, int, settingsMarkdown, type EffectiveSettings } from "./lib/settings.ts";
import { withStack } from "./lib/stack.ts";
import { adminApi } from "../test/kit/events.ts";

export const settings = declareSettings("origin", {
  BENCH_SECONDS: int({ default: 5, min: 1, max: 3600, doc: "seconds each phase is measured for, over all rounds" }),
  BENCH_ROUNDS: int({ default: 5, min: 1, max: 100, doc: "interleaved rounds: every phase runs a slice in each" }),
  BENCH_CONCURRENCY: int({ default: 64, min: 1, max: 4096, doc: "requests in flight in every phase" }),
  BENCH_PURCHASES: int({ default: 35_000, min: 1, max: 50_000, doc: "purchases prepared (a session and a hold each); the transaction alone uses the seats after them" }),
});

const DB_POOL = 16;
const TOTAL_SEATS = 100_000; // per bench event
const SEATS_PER_SESSION = 20;

export async function run(_args: string[] = []): Promise<void> {
  const { values, effective } = settings.parse();
  const { BENCH_SECONDS: SECONDS, BENCH_ROUNDS: ROUNDS, BENCH_CONCURRENCY: CONCURRENCY, BENCH_PURCHASES: PURCHASES } = values;
  // the origin is called directly, as the edge would, with the edge's origin-auth secret
  const { env, originAuth, redisUrl, databaseUrl } = await benchEnv();
  const eventId = `bench-${Date.now().toString(36)}`;
  const machine = { cpus: navigator.hardwareConcurrency, bun: Bun.version, platform: `${process.platform}-${process.arch}`, loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100) };
  console.log(`bench origin: ${ROUNDS} interleaved rounds, ${SECONDS}s per phase in all, concurrency ${CONCURRENCY}, ${machine.cpus} cores, bun ${Bun.version}`);

  await withStack(async (stack) => {
    const redis = new Redis(redisUrl, { enableAutoPipelining: true });
    const pool = mysql.createPool({ ...connectionOptions(databaseUrl), connectionLimit: DB_POOL, multipleStatements: true });
    stack.defer("connections", async () => {
      redis.disconnect();
      await pool.end();
    });
    await migrateDatabase(databaseUrl);

    // Ceiling servers and tables.
    const bare = await stack.bareServer({ ...env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, DB_POOL_SIZE: String(DB_POOL) });
    const sha = (await redis.script("LOAD", "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 60000) and 1 or 0")) as string;
    const scratch = `cu:{${eventId}}:bench:`;
    await pool.query("DROP TABLE IF EXISTS bench_inserts");
    await pool.query(
      "CREATE TABLE bench_inserts (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(64) NOT NULL, seat_id VARCHAR(32) NOT NULL, order_id VARCHAR(40) NOT NULL, price_cents INT NOT NULL, created_at DATETIME(3) NOT NULL, UNIQUE KEY bench_inserts_event_seat (event_id, seat_id))",
    );
    stack.defer("bench_inserts", () => pool.query("DROP TABLE IF EXISTS bench_inserts"));

    // The origin itself, as `bun run origin` runs it, with a bench event.
    const origin = await stack.origin({ ...env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, DB_POOL_SIZE: String(DB_POOL), PAYMENT_SIMULATION: "approve", LOG_REQUESTS: "0" });
    // Three events of 100,000 seats each: one for the hold phase, one for the purchases
    // (their holds are made first) and the purchase transaction alone, one for the bare
    // route's purchase transaction. Each phase can then run in every round.
    const scratchEvent = stack.scratchEvents(pool, redis);
    const createEvent = async (id: string, name: string) => {
      await adminApi(origin.url, env.ADMIN_KEY).createEvent({
        id,
        name,
        venue: "Bench hall",
        perOrderLimit: SEATS_PER_SESSION,
        holdSeconds: 600,
        sections: [{ name: "A", rows: 200, seatsPerRow: 500, tier: "standard", priceCents: 5000 }],
      });
      scratchEvent(id);
    };
    const holdEventId = `${eventId}-h`;
    const txnEventId = `${eventId}-t`;
    await createEvent(eventId, "Bench night");
    await createEvent(holdEventId, "Bench night (holds)");
    await createEvent(txnEventId, "Bench night (ceiling)");
    const seat = (i: number) => `A-${Math.floor(i / 500) + 1}-${(i % 500) + 1}`;
    const key = signingKeyFromEnv(env);
    const holders = await mintActiveSessions(redis, { eventId: holdEventId, count: TOTAL_SEATS / SEATS_PER_SESSION, ttlSeconds: 3600, key });
    const postHold = (event: string, i: number, fan: MintedSession) =>
      fetch(`${origin.url}/api/events/${event}/holds`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${fan.token}`, "x-origin-auth": originAuth },
        body: JSON.stringify({ seatIds: [seat(i)] }),
      });
    const hold = async (i: number, fan: MintedSession) => {
      const r = await postHold(eventId, i, fan);
      const reply = (await r.json()) as { holdId?: string };
      return r.status === 201 ? reply.holdId! : null;
    };

    // Purchases each need their own session (buying ends it) and their own hold, made first.
    const buyers = await mintActiveSessions(redis, { eventId, count: PURCHASES, ttlSeconds: 3600, key });
    const holdIds: string[] = new Array(buyers.length);
    const setup = new Meter("  (setup: holds to buy)", CONCURRENCY);
    await slice(setup, 600, async (i) => ((holdIds[i] = (await hold(i, buyers[i]!)) ?? "") !== ""), buyers.length);
    setup.print();

    const phases = {
      bare: new Meter("bare Elysia route", CONCURRENCY),
      evalsha: new Meter("bare Redis EVALSHA", CONCURRENCY),
      insert: new Meter("bare mysql2 insert", CONCURRENCY),
      bareRedis: new Meter("bare Elysia + one EVALSHA", CONCURRENCY),
      hold: new Meter("POST /holds (origin)", CONCURRENCY),
      purchase: new Meter("POST /purchase (origin)", CONCURRENCY),
      txn: new Meter("purchase txn alone (mysql2)", CONCURRENCY),
      bareTxn: new Meter("bare Elysia + purchase txn", CONCURRENCY),
    };
    const txnSeats = PURCHASES;
    const body = JSON.stringify({ seatIds: ["A-1-1"] });
    const ops: Record<keyof typeof phases, [(i: number) => Promise<boolean>, number?]> = {
      bare: [
        async () => {
          const r = await fetch(`${bare.url}/bare`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer x" }, body });
          await r.arrayBuffer();
          return r.ok;
        },
      ],
      evalsha: [async (i) => (await redis.evalsha(sha, 1, `${scratch}${i}`, "x")) === 1],
      insert: [
        async (i) => {
          await pool.query("INSERT INTO bench_inserts (event_id, seat_id, order_id, price_cents, created_at) VALUES (?, ?, ?, ?, ?)", [eventId, `S-${i}`, `ord_${i}`, 5000, new Date()]);
          return true;
        },
      ],
      bareRedis: [
        async () => {
          const r = await fetch(`${bare.url}/bare/redis`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer x" }, body });
          await r.arrayBuffer();
          return r.ok;
        },
      ],
      // Measured like the bare route: the reply is read, not parsed (only the setup needs the hold id).
      hold: [
        async (i) => {
          const r = await postHold(holdEventId, i, holders[Math.floor(i / SEATS_PER_SESSION)]!);
          await r.arrayBuffer();
          return r.status === 201;
        },
        TOTAL_SEATS,
      ],
      purchase: [
        async (i) => {
          const r = await fetch(`${origin.url}/api/events/${eventId}/holds/${holdIds[i]}/purchase`, {
            method: "POST",
            headers: { authorization: `Bearer ${buyers[i]!.token}`, "idempotency-key": `bench-${i}`, "x-origin-auth": originAuth },
          });
          await r.arrayBuffer();
          return r.status === 201;
        },
        PURCHASES,
      ],
      // The purchase's database write by itself (orders + reservations, one round trip).
      txn: [
        async (i) => {
          const id = `ord_bench_${eventId}_${i}`;
          const r = await insertOrder(pool, {
            id, eventId, sessionId: id, customerId: id, idempotencyKey: id, holdId: id, amountCents: 5000, currency: "EUR", paymentId: id, createdAt: new Date(),
            seats: [{ seatId: seat(txnSeats + i), priceCents: 5000 }],
          });
          return r.kind === "committed";
        },
        TOTAL_SEATS - txnSeats,
      ],
      // The same write behind a bare Elysia route (its own process and pool, as the origin has).
      bareTxn: [
        async (i) => {
          const r = await fetch(`${bare.url}/bare/purchase-txn`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ id: `ord_bare_${txnEventId}_${i}`, eventId: txnEventId, seatId: seat(i) }),
          });
          await r.arrayBuffer();
          return r.status === 200;
        },
        TOTAL_SEATS,
      ],
    };
    // Warm every path outside the measurement (hold and purchase warm on their own indexes).
    await warm(CONCURRENCY, 2000, ops.bare[0]);
    await warm(CONCURRENCY, 2000, (i) => ops.evalsha[0](1_000_000_000 + i));
    await warm(CONCURRENCY, 500, (i) => ops.insert[0](1_000_000_000 + i));
    await warm(CONCURRENCY, 2000, ops.bareRedis[0]);
    for (const name of ["hold", "purchase", "txn", "bareTxn"] as const) await slice(phases[name], 0.5, ops[name][0], ops[name][1]);
    for (const name of ["hold", "purchase", "txn", "bareTxn"] as const) Object.assign(phases[name], { ops: 0, errors: 0, seconds: 0 }), phases[name].histogram.reset();

    // CPU each process spends per operation, phase by phase (where the time goes).
    const cpu = new ProcessCpu({
      driver: process.pid,
      origin: origin.pid,
      "bare server": bare.pid,
      redis: findProcess("redis-server"),
      mariadb: findProcess("mariadbd", "mysqld"),
    });
    // Interleave: every phase runs a slice in every round, so a burst of outside load
    // lands on baselines and subjects alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(phases) as Array<keyof typeof phases>) {
        await cpu.measure(name, () => slice(phases[name], SECONDS / ROUNDS, ops[name][0], ops[name][1]));
      }
    }
    const results = Object.values(phases).map((m) => m.print());
    const cpuPerOp = Object.fromEntries((Object.keys(phases) as Array<keyof typeof phases>).map((name) => [phases[name].name, cpu.perOperation(name, phases[name].ops)]));
    report(results, machine, cpuPerOp, { SECONDS, ROUNDS, CONCURRENCY }, effective);
  });
}

function report(
  results: LoadResult[],
  machine: Record<string, unknown>,
  cpuPerOp: Record<string, Record<string, number>>,
  { SECONDS, ROUNDS, CONCURRENCY }: { SECONDS: number; ROUNDS: number; CONCURRENCY: number },
  effective: EffectiveSettings,
) {
  const by = (name: string) => results.find((r) => r.name === name)!;
  const ratio = (a: LoadResult, b: LoadResult) => Math.round((a.perSecond / b.perSecond) * 1000) / 1000;
  const ratios = {
    holdVsBareElysia: ratio(by("POST /holds (origin)"), by("bare Elysia route")),
    bareRouteRedisVsBareElysia: ratio(by("bare Elysia + one EVALSHA"), by("bare Elysia route")),
    holdVsBareRouteRedis: ratio(by("POST /holds (origin)"), by("bare Elysia + one EVALSHA")),
    purchaseVsBareInsert: ratio(by("POST /purchase (origin)"), by("bare mysql2 insert")),
    purchaseTxnVsBareInsert: ratio(by("purchase txn alone (mysql2)"), by("bare mysql2 insert")),
    bareRouteTxnVsBareInsert: ratio(by("bare Elysia + purchase txn"), by("bare mysql2 insert")),
    purchaseVsBareRouteTxn: ratio(by("POST /purchase (origin)"), by("bare Elysia + purchase txn")),
    holdVsBareEvalsha: ratio(by("POST /holds (origin)"), by("bare Redis EVALSHA")),
  };
  const targets = { holdVsBareElysia: 0.5, purchaseVsBareInsert: 0.7 };
  console.log(
    `\n  hold / bare Elysia      ${ratios.holdVsBareElysia.toFixed(2)}  (target >= ${targets.holdVsBareElysia})` +
      `\n  purchase / bare insert  ${ratios.purchaseVsBareInsert.toFixed(2)}  (target >= ${targets.purchaseVsBareInsert})` +
      `\n  route+EVALSHA / bare    ${ratios.bareRouteRedisVsBareElysia.toFixed(2)}  (a route doing nothing but one Redis call)` +
      `\n  hold / route+EVALSHA    ${ratios.holdVsBareRouteRedis.toFixed(2)}` +
      `\n  hold / bare EVALSHA     ${ratios.holdVsBareEvalsha.toFixed(2)}` +
      `\n  purchase txn / insert   ${ratios.purchaseTxnVsBareInsert.toFixed(2)}  (the database write alone)` +
      `\n  bare route+txn / insert ${ratios.bareRouteTxnVsBareInsert.toFixed(2)}  (a route doing nothing but the write)` +
      `\n  purchase / route+txn    ${ratios.purchaseVsBareRouteTxn.toFixed(2)}`,
  );
  const at = new Date().toISOString();
  const loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const dir = join(import.meta.dir, "results");
  mkdirSync(dir, { recursive: true });
  const procs = ["driver", "origin", "bare server", "redis", "mariadb"];
  const cpuRows = results.map((r) => `| ${r.name} | ${procs.map((p) => (cpuPerOp[r.name]?.[p] ? String(cpuPerOp[r.name]![p]) : "-")).join(" | ")} | ${Object.values(cpuPerOp[r.name] ?? {}).reduce((a, b) => a + b, 0)} |`);
  console.log(`\n  CPU per operation (us): ${procs.join(", ")}`);
  for (const r of results) console.log(`  ${r.name.padEnd(28)} ${procs.map((p) => String(cpuPerOp[r.name]?.[p] ?? "-").padStart(6)).join(" ")}`);
  writeFileSync(join(dir, "origin.json"), JSON.stringify({ at, machine: { ...machine, loadAverageAtEnd: loadAtEnd }, seconds: SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY, results, ratios, targets, cpuMicrosecondsPerOperation: cpuPerOp, effectiveSettings: effective }, null, 2) + "\n");
  const rows = results.map((r) => `| ${r.name} | ${r.perSecond} | ${r.p50ms.toFixed(2)} | ${r.p95ms.toFixed(2)} | ${r.p99ms.toFixed(2)} | ${r.ops} | ${r.errors} |`);
  writeFileSync(
    join(dir, "origin.md"),
    [
      `# bench origin (${at})`,
      "",
      `${machine.cpus} cores, Bun ${machine.bun}, ${machine.platform}; concurrency ${CONCURRENCY}; ${ROUNDS} interleaved rounds, ${SECONDS}s per phase in all; load driver, origin, Redis and MariaDB share the machine. Load average (1/5/15 min) ${(machine.loadAverageAtStart as number[]).join(" / ")} at the start, ${loadAtEnd.join(" / ")} at the end.`,
      "",
      "| phase | ops/s | p50 ms | p95 ms | p99 ms | ops | errors |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      `- hold / bare Elysia route: **${ratios.holdVsBareElysia.toFixed(2)}** (target >= ${targets.holdVsBareElysia})`,
      `- purchase / bare mysql2 insert: **${ratios.purchaseVsBareInsert.toFixed(2)}** (target >= ${targets.purchaseVsBareInsert})`,
      `- bare Elysia route doing one EVALSHA / bare Elysia route: ${ratios.bareRouteRedisVsBareElysia.toFixed(2)} (the most a hold route can reach here: one Redis round trip per request)`,
      `- hold / bare Elysia route doing one EVALSHA: ${ratios.holdVsBareRouteRedis.toFixed(2)}`,
      `- hold / bare EVALSHA: ${ratios.holdVsBareEvalsha.toFixed(2)}`,
      `- purchase transaction alone / bare mysql2 insert: ${ratios.purchaseTxnVsBareInsert.toFixed(2)} (the order + reservation write, one round trip)`,
      `- bare Elysia route doing the purchase transaction / bare mysql2 insert: ${ratios.bareRouteTxnVsBareInsert.toFixed(2)} (the most a purchase route can reach here)`,
      `- purchase / bare Elysia route doing the purchase transaction: ${ratios.purchaseVsBareRouteTxn.toFixed(2)}`,
      "",
      "CPU per operation, microseconds (user + system from /proc, during the measured slices; Redis and MariaDB also count whatever else used them meanwhile):",
      "",
      `| phase | ${procs.join(" | ")} | sum |`,
      `|---|${procs.map(() => "---:").join("|")}|---:|`,
      ...cpuRows,
      "",
      ...settingsMarkdown(effective),
      "Run: `bun run bench origin`",
      "",
    ].join("\n"),
  );
  console.log(`\n  results written to bench/results/origin.json and origin.md`);
}

if (import.meta.main) await run(Bun.argv.slice(2));
