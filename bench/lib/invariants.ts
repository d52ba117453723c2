/**
 * What a sale must leave behind, read straight from MySQL and Redis once every hold has
 * expired: no seat sold twice, every confirmed order's seats in MySQL, no paid order
 * without seats, Redis' sold set equal to MySQL's, and every seat sold or free.
 */
import type Redis from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import type { createDatabase } from "../../origin/src/db/client.ts";

export interface Sale {
  orderId: string;
  seatId: string;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export async function checkInvariants(redis: Redis, database: ReturnType<typeof createDatabase>, eventId: string, seats: string[], sales: Sale[]): Promise<Invariant[]> {
  const keys = eventKeys(eventId);
  const pool = database.pool;
  const [dupes] = (await pool.query("SELECT seat_id, COUNT(*) AS n FROM reservations WHERE event_id = ? GROUP BY seat_id HAVING n > 1", [eventId])) as unknown as [{ seat_id: string }[]];
  const [reserved] = (await pool.query("SELECT seat_id, order_id FROM reservations WHERE event_id = ?", [eventId])) as unknown as [{ seat_id: string; order_id: string }[]];
  const [orderless] = (await pool.query(
    "SELECT o.id FROM orders o LEFT JOIN reservations r ON r.order_id = o.id WHERE o.event_id = ? AND o.status = 'paid' AND r.id IS NULL",
    [eventId],
  )) as unknown as [{ id: string }[]];
  const byOrder = new Map(reserved.map((r) => [`${r.order_id}|${r.seat_id}`, true]));
  const missing = sales.filter((s) => !byOrder.has(`${s.orderId}|${s.seatId}`));
  const sold = new Set(await redis.smembers(keys.sold));
  const dbSold = new Set(reserved.map((r) => r.seat_id));
  const soldMismatch = [...dbSold].filter((s) => !sold.has(s)).length + [...sold].filter((s) => !dbSold.has(s)).length;
  const holdKeys = await redis.mget(...seats.map((s) => keys.seat(s)));
  const stillHeld = seats.filter((s, i) => holdKeys[i] !== null && !dbSold.has(s));
  return [
    { name: "no seat sold twice (MySQL)", ok: dupes.length === 0, detail: `${dupes.length} seats with more than one reservation; ${reserved.length} seats sold` },
    { name: "every confirmed order's seat is in MySQL", ok: missing.length === 0, detail: `${sales.length} orders answered 201, ${missing.length} missing from reservations` },
    { name: "every paid order has its seats", ok: orderless.length === 0, detail: `${orderless.length} paid orders without reservations` },
    { name: "Redis sold set matches MySQL", ok: soldMismatch === 0, detail: `${sold.size} in Redis, ${dbSold.size} in MySQL, ${soldMismatch} differ` },
    { name: "after expiry every seat is sold or free", ok: stillHeld.length === 0, detail: `${stillHeld.length} unsold seats still held` },
  ];
}
