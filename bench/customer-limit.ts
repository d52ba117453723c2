/**
 * `bun run bench customer-limit`: what counting a customer's tickets costs the purchase
 * transaction, in one run on this machine. Interleaved rounds of the purchase transaction
 * as it is (insertOrder: order, reservations and the customer_tickets upsert under its CHECK,
 * one round trip) and the same transaction without the upsert (the order and reservations
 * only, as before customers were counted), each at the same concurrency on its own scratch
 * event; prints purchases/s and p95 of both and their ratio.
 */
import mysql from "mysql2/promise";
import { connectionOptions } from "../origin/src/db/client.ts";
import { migrateDatabase } from "../origin/src/db/migrate.ts";
import { insertOrder, utcDatetime } from "../origin/src/modules/orders/repository.ts";
import { uniqueEventId } from "../test/kit/event-ids.ts";
import { obliterateEventRows } from "../test/kit/obliterate.ts";
import { benchEnv } from "./lib/env.ts";
import { declareSettings, int } from "./lib/settings.ts";

export const settings = declareSettings("customer-limit", {
  BENCH_ORDERS: int({ default: 1500, min: 10, max: 1_000_000, doc: "purchase transactions of each kind per round" }),
  BENCH_ROUNDS: int({ default: 3, min: 1, max: 100, doc: "interleaved rounds (without, with, without, ...); the medians are reported" }),
  BENCH_CONCURRENCY: int({ default: 16, min: 1, max: 256, doc: "transactions in flight at once (connections in the pool)" }),
});

/** The purchase transaction without the customer count: what insertOrder sent before it. */
function withoutCount(pool: mysql.Pool, eventId: string, id: string, seatId: string) {
  const createdAt = utcDatetime(new Date());
  const sql =
    "START TRANSACTION;" +
    "INSERT INTO orders (id, event_id, session_id, customer_id, idempotency_key, hold_id, status, amount_cents, currency, payment_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);" +
    "INSERT INTO reservations (event_id, seat_id, order_id, price_cents, created_at) VALUES (?, ?, ?, ?, ?);" +
    "COMMIT";
  return pool.query(sql, [id, eventId, id, id, id, id, "paid", 5000, "EUR", id, createdAt, eventId, seatId, id, 5000, createdAt]);
}

async function measure(label: string, count: number, concurrency: number, one: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { label, tps: count / seconds, p95: latencies[Math.floor(latencies.length * 0.95)]! };
}

export async function run(_args: string[] = []): Promise<void> {
  const { values } = settings.parse();
  const { BENCH_ORDERS: n, BENCH_ROUNDS: rounds, BENCH_CONCURRENCY: concurrency } = values;
  const { databaseUrl } = await benchEnv();
  await migrateDatabase(databaseUrl);
  const pool = mysql.createPool({ ...connectionOptions(databaseUrl), connectionLimit: concurrency, multipleStatements: true });
  const seats = n * rounds;
  const events: string[] = [];
  const makeEvent = async (label: string) => {
    const id = uniqueEventId(label);
    events.push(id);
    await pool.query("INSERT INTO events (id, name, venue, starts_at, sale_opens_at, status, per_order_limit, customer_limit, hold_seconds, created_at) VALUES (?, 'bench', 'bench', NOW(3), NOW(3), 'on_sale', 4, 4, 300, NOW(3))", [id]);
    for (let i = 0; i < seats; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, seats - i) }, (_, j) => [id, `A-1-${i + j + 1}`, "A", 1, i + j + 1, "standard", 5000]);
      await pool.query("INSERT INTO seats (event_id, seat_id, section, seat_row, seat_number, tier, price_cents) VALUES ?", [rows]);
    }
    return id;
  };
  try {
    const counted = await makeEvent("bench-cust-on");
    const plain = await makeEvent("bench-cust-off");
    const results: Record<string, Array<{ tps: number; p95: number }>> = { counted: [], plain: [] };
    for (let r = 0; r < rounds; r++) {
      const base = r * n;
      // a customer buys one seat each order (4 orders per customer: the limit is never passed)
      results.plain!.push(await measure("plain", n, concurrency, (i) => withoutCount(pool, plain, `ob_p_${plain}_${base + i}`.slice(0, 40), `A-1-${base + i + 1}`)));
      results.counted!.push(
        await measure("counted", n, concurrency, async (i) => {
          const id = `ob_c_${crypto.randomUUID().replace(/-/g, "")}`.slice(0, 40);
          const r = await insertOrder(pool, { id, eventId: counted, sessionId: id, customerId: `c${Math.floor((base + i) / 4)}`, idempotencyKey: id, holdId: id, amountCents: 5000, currency: "EUR", paymentId: id, createdAt: new Date(), seats: [{ seatId: `A-1-${base + i + 1}`, priceCents: 5000 }] });
          if (r.kind !== "committed") throw new Error(`insert ${r.kind}`);
        }),
      );
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const tps = (k: string) => median(results[k]!.map((x) => x.tps));
    const p95 = (k: string) => median(results[k]!.map((x) => x.p95));
    console.log(`purchase transaction, ${rounds} rounds x ${n} orders at concurrency ${concurrency} (medians):`);
    console.log(`  without the customer count: ${tps("plain").toFixed(0)} purchases/s, p95 ${p95("plain").toFixed(1)} ms`);
    console.log(`  with it (insertOrder):      ${tps("counted").toFixed(0)} purchases/s, p95 ${p95("counted").toFixed(1)} ms`);
    console.log(`  ratio with/without: ${(tps("counted") / tps("plain")).toFixed(2)}`);
  } finally {
    for (const id of events) await obliterateEventRows(pool, id);
    await pool.end();
  }
}
