/**
 * `bun run bench origin`: in one run, on this machine,
 *   ceilings: a bare Elysia route, a bare Redis EVALSHA (SET NX PX of one key), a bare
 *             mysql2 insert (one row under a unique index);
 *   origin:   POST /holds (one seat) and POST /purchase under the same concurrency,
 * then prints throughput, p50/p95/p99 and the ratios hold / bare Elysia and
 * purchase / bare insert, and writes bench/results/origin.{json,md}.
 *
 * Phases are interleaved in BENCH_ROUNDS rounds (bare, EVALSHA, insert, hold, purchase,
 * bare, ...) so that outside load on a shared machine hits baselines and subjects alike.
 * Knobs: BENCH_SECONDS (5, per phase in all), BENCH_ROUNDS (5), BENCH_CONCURRENCY (64),
 * BENCH_PURCHASES (20000).
 * The origin runs with its per-request access log off (LOG_REQUESTS=0): the bench measures
 * the hold and purchase paths, not terminal output.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import mysql from "mysql2/promise";
import { eventKeys } from "../common/keys.ts";
import { ensureDevSecrets } from "../scripts/dev-secrets.ts";
import { freePort } from "../scripts/lib/free-port.ts";
import { startOrigin } from "../scripts/lib/origin-process.ts";
import { waitUntil } from "../scripts/lib/wait.ts";
import { mintActiveSessions, signingKeyFromEnv, type MintedSession } from "../scripts/token-mint.ts";
import { connectionOptions } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { insertOrder } from "../origin/src/modules/orders/repository.ts";
import { Meter, slice, warm, type LoadResult } from "./origin-load.ts";

const root = join(import.meta.dir, "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PURCHASES = Number(process.env.BENCH_PURCHASES ?? 20_000); // at most 25,000
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DB_POOL = 16;
const TOTAL_SEATS = 100_000;
const HOLD_SEATS = 50_000; // seats A-1-1.. for the hold phase; purchases, then the bare transaction, use the seats after them
const SEATS_PER_SESSION = 20;

export async function run(_args: string[] = []): Promise<void> {
  const secrets = await ensureDevSecrets();
  const env: Record<string, string> = { ...secrets, ...(process.env as Record<string, string>) };
  // the bench calls the origin directly, as the edge would: with the edge's origin-auth secret
  const originAuth = env.ORIGIN_AUTH_SECRET?.split(",")[0]?.trim() ?? "";
  const redisUrl = env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const databaseUrl = env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test";
  const eventId = `bench-${Date.now().toString(36)}`;
  const stops: Array<() => Promise<void> | void> = [];
  const machine = { cpus: navigator.hardwareConcurrency, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
  console.log(`bench origin: ${ROUNDS} interleaved rounds, ${SECONDS}s per phase in all, concurrency ${CONCURRENCY}, ${machine.cpus} cores, bun ${Bun.version}`);

  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const pool = mysql.createPool({ ...connectionOptions(databaseUrl), connectionLimit: DB_POOL, multipleStatements: true });
  stops.push(() => redis.disconnect(), () => pool.end());
  try {
    await migrateDatabase(databaseUrl);

    // Ceiling servers and tables.
    const barePort = await freePort();
    const bare = Bun.spawn(["bun", "bench/origin-bare-server.ts"], { cwd: root, env: { ...env, PORT: String(barePort) }, stdout: "ignore", stderr: "inherit" });
    stops.push(() => bare.kill());
    await waitUntil("bare elysia", async () => (await fetch(`http://127.0.0.1:${barePort}/bare`, { method: "POST" })).ok);
    const sha = (await redis.script("LOAD", "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 60000) and 1 or 0")) as string;
    const scratch = `cu:{${eventId}}:bench:`;
    await pool.query("DROP TABLE IF EXISTS bench_inserts");
    await pool.query(
      "CREATE TABLE bench_inserts (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(64) NOT NULL, seat_id VARCHAR(32) NOT NULL, order_id VARCHAR(40) NOT NULL, price_cents INT NOT NULL, created_at DATETIME(3) NOT NULL, UNIQUE KEY bench_inserts_event_seat (event_id, seat_id))",
    );
    stops.push(() => void pool.query("DROP TABLE IF EXISTS bench_inserts").catch(() => {}));

    // The origin itself, as `bun run origin` runs it, with a bench event.
    const port = await freePort();
    const origin = await startOrigin({ env: { ...env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, DB_POOL_SIZE: String(DB_POOL), PAYMENT_SIMULATION: "approve", LOG_REQUESTS: "0" }, port });
    stops.push(() => origin.stop());
    const created = await fetch(`${origin.url}/admin/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        id: eventId,
        name: "Bench night",
        venue: "Bench hall",
        startsAt: "2030-01-01T20:00:00.000Z",
        perOrderLimit: SEATS_PER_SESSION,
        holdSeconds: 600,
        sections: [{ name: "A", rows: 200, seatsPerRow: 500, tier: "standard", priceCents: 5000 }],
      }),
    });
    if (created.status !== 201) throw new Error(`creating the bench event failed: ${created.status} ${await created.text()}`);
    stops.push(() => cleanUp(pool, redis, eventId));
    const seat = (i: number) => `A-${Math.floor(i / 500) + 1}-${(i % 500) + 1}`;
    const key = signingKeyFromEnv(env);
    const holders = await mintActiveSessions(redis, { eventId, count: HOLD_SEATS / SEATS_PER_SESSION, ttlSeconds: 3600, key });
    const hold = async (i: number, fan: MintedSession) => {
      const r = await fetch(`${origin.url}/api/events/${eventId}/holds`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${fan.token}`, "x-origin-auth": originAuth },
        body: JSON.stringify({ seatIds: [seat(i)] }),
      });
      const reply = (await r.json()) as { holdId?: string };
      return r.status === 201 ? reply.holdId! : null;
    };

    // Purchases each need their own session (buying ends it) and their own hold, made first.
    const buyers = await mintActiveSessions(redis, { eventId, count: PURCHASES, ttlSeconds: 3600, key });
    const holdIds: string[] = new Array(buyers.length);
    const setup = new Meter("  (setup: holds to buy)", CONCURRENCY);
    await slice(setup, 600, async (i) => ((holdIds[i] = (await hold(HOLD_SEATS + i, buyers[i]!)) ?? "") !== ""), buyers.length);
    setup.print();

    const phases = {
      bare: new Meter("bare Elysia route", CONCURRENCY),
      evalsha: new Meter("bare Redis EVALSHA", CONCURRENCY),
      insert: new Meter("bare mysql2 insert", CONCURRENCY),
      hold: new Meter("POST /holds (origin)", CONCURRENCY),
      purchase: new Meter("POST /purchase (origin)", CONCURRENCY),
      txn: new Meter("purchase txn alone (mysql2)", CONCURRENCY),
    };
    const txnSeats = HOLD_SEATS + PURCHASES;
    const body = JSON.stringify({ seatIds: ["A-1-1"] });
    const ops: Record<keyof typeof phases, [(i: number) => Promise<boolean>, number?]> = {
      bare: [
        async () => {
          const r = await fetch(`http://127.0.0.1:${barePort}/bare`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer x" }, body });
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
      hold: [async (i) => (await hold(i, holders[Math.floor(i / SEATS_PER_SESSION)]!)) !== null, HOLD_SEATS],
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
            id, eventId, sessionId: id, idempotencyKey: id, holdId: id, amountCents: 5000, currency: "EUR", paymentId: id, createdAt: new Date(),
            seats: [{ seatId: seat(txnSeats + i), priceCents: 5000 }],
          });
          return r.kind === "committed";
        },
        TOTAL_SEATS - txnSeats,
      ],
    };
    // Warm every path outside the measurement (hold and purchase warm on their own indexes).
    await warm(CONCURRENCY, 2000, ops.bare[0]);
    await warm(CONCURRENCY, 2000, (i) => ops.evalsha[0](1_000_000_000 + i));
    await warm(CONCURRENCY, 500, (i) => ops.insert[0](1_000_000_000 + i));
    for (const name of ["hold", "purchase", "txn"] as const) await slice(phases[name], 0.5, ops[name][0], ops[name][1]);
    for (const name of ["hold", "purchase", "txn"] as const) Object.assign(phases[name], { ops: 0, errors: 0, seconds: 0 }), phases[name].histogram.reset();

    // Interleave: every phase runs a slice in every round, so a burst of outside load
    // lands on baselines and subjects alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(phases) as Array<keyof typeof phases>) {
        await slice(phases[name], SECONDS / ROUNDS, ops[name][0], ops[name][1]);
      }
    }
    const results = Object.values(phases).map((m) => m.print());
    report(results, machine);
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
  }
}

async function cleanUp(pool: mysql.Pool, redis: Redis, eventId: string) {
  for (const table of ["reservations", "reservation_history", "orders", "seats", "events"]) {
    await pool.query(`DELETE FROM ${table} WHERE ${table === "events" ? "id" : "event_id"} = ?`, [eventId]);
  }
  const prefix = eventKeys(eventId).config.replace(/config$/, "");
  let cursor = "0";
  do {
    const [nextCursor, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}

function report(results: LoadResult[], machine: Record<string, unknown>) {
  const by = (name: string) => results.find((r) => r.name === name)!;
  const ratio = (a: LoadResult, b: LoadResult) => Math.round((a.perSecond / b.perSecond) * 1000) / 1000;
  const ratios = {
    holdVsBareElysia: ratio(by("POST /holds (origin)"), by("bare Elysia route")),
    purchaseVsBareInsert: ratio(by("POST /purchase (origin)"), by("bare mysql2 insert")),
    purchaseTxnVsBareInsert: ratio(by("purchase txn alone (mysql2)"), by("bare mysql2 insert")),
    holdVsBareEvalsha: ratio(by("POST /holds (origin)"), by("bare Redis EVALSHA")),
  };
  const targets = { holdVsBareElysia: 0.5, purchaseVsBareInsert: 0.7 };
  console.log(
    `\n  hold / bare Elysia      ${ratios.holdVsBareElysia.toFixed(2)}  (target >= ${targets.holdVsBareElysia})` +
      `\n  purchase / bare insert  ${ratios.purchaseVsBareInsert.toFixed(2)}  (target >= ${targets.purchaseVsBareInsert})` +
      `\n  hold / bare EVALSHA     ${ratios.holdVsBareEvalsha.toFixed(2)}` +
      `\n  purchase txn / insert   ${ratios.purchaseTxnVsBareInsert.toFixed(2)}  (the database write alone)`,
  );
  const at = new Date().toISOString();
  const dir = join(import.meta.dir, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "origin.json"), JSON.stringify({ at, machine, seconds: SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY, results, ratios, targets }, null, 2) + "\n");
  const rows = results.map((r) => `| ${r.name} | ${r.perSecond} | ${r.p50ms.toFixed(2)} | ${r.p95ms.toFixed(2)} | ${r.p99ms.toFixed(2)} | ${r.ops} | ${r.errors} |`);
  writeFileSync(
    join(dir, "origin.md"),
    [
      `# bench origin (${at})`,
      "",
      `${machine.cpus} cores, Bun ${machine.bun}, ${machine.platform}; concurrency ${CONCURRENCY}; ${ROUNDS} interleaved rounds, ${SECONDS}s per phase in all; load driver, origin, Redis and MariaDB share the machine.`,
      "",
      "| phase | ops/s | p50 ms | p95 ms | p99 ms | ops | errors |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      `- hold / bare Elysia route: **${ratios.holdVsBareElysia.toFixed(2)}** (target >= ${targets.holdVsBareElysia})`,
      `- purchase / bare mysql2 insert: **${ratios.purchaseVsBareInsert.toFixed(2)}** (target >= ${targets.purchaseVsBareInsert})`,
      `- hold / bare EVALSHA: ${ratios.holdVsBareEvalsha.toFixed(2)}`,
      `- purchase transaction alone / bare mysql2 insert: ${ratios.purchaseTxnVsBareInsert.toFixed(2)} (the order + reservation write, one round trip)`,
      "",
      "Run: `bun run bench origin`",
      "",
    ].join("\n"),
  );
  console.log(`\n  results written to bench/results/origin.json and origin.md`);
}

if (import.meta.main) await run(Bun.argv.slice(2));
