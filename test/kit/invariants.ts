/**
 * What a sale must leave behind, read straight from MySQL and Redis: no seat sold twice,
 * no session paid twice, every paid order with its seats, Redis' sold set equal to MySQL's,
 * and, once every hold has expired, every seat sold or free. Benches report the checks as
 * a list (`checkInvariants`); chaos tests assert on the facts (`readSale`).
 */
import type { Cluster, Redis } from "ioredis";
import { eventKeys } from "../../common/keys.ts";
import { scanKeys, type SqlRunner } from "./obliterate.ts";

export interface Sale {
  orderId: string;
  seatId: string;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

/** An event's sale as the stores hold it. */
export interface SaleRecord {
  /** every reservation in MySQL: the seats sold, with their orders */
  reservations: Sale[];
  /** seats with more than one reservation */
  seatsSoldTwice: string[];
  /** sessions with more than one paid order */
  sessionsPaidTwice: string[];
  /** paid orders without a reservation */
  paidOrdersWithoutSeats: string[];
  /** Redis' sold set, sorted */
  soldInRedis: string[];
}

async function rows<T>(sql: SqlRunner, statement: string, values: unknown[]): Promise<T[]> {
  const [found] = (await sql.query(statement, values)) as [T[]];
  return found;
}

export async function readSale(redis: Redis | Cluster, sql: SqlRunner, eventId: string): Promise<SaleRecord> {
  const reservations = await rows<Sale>(sql, "SELECT order_id AS orderId, seat_id AS seatId FROM reservations WHERE event_id = ?", [eventId]);
  const seatsSoldTwice = await rows<{ seatId: string }>(sql, "SELECT seat_id AS seatId, COUNT(*) AS n FROM reservations WHERE event_id = ? GROUP BY seat_id HAVING n > 1", [eventId]);
  const sessionsPaidTwice = await rows<{ sessionId: string }>(
    sql,
    "SELECT session_id AS sessionId, COUNT(*) AS n FROM orders WHERE event_id = ? AND status = 'paid' GROUP BY session_id HAVING n > 1",
    [eventId],
  );
  const paidOrdersWithoutSeats = await rows<{ id: string }>(
    sql,
    "SELECT o.id FROM orders o LEFT JOIN reservations r ON r.order_id = o.id WHERE o.event_id = ? AND o.status = 'paid' AND r.order_id IS NULL",
    [eventId],
  );
  return {
    reservations,
    seatsSoldTwice: seatsSoldTwice.map((r) => r.seatId),
    sessionsPaidTwice: sessionsPaidTwice.map((r) => r.sessionId),
    paidOrdersWithoutSeats: paidOrdersWithoutSeats.map((r) => r.id),
    soldInRedis: (await redis.smembers(eventKeys(eventId).sold)).sort(),
  };
}

/** The seat keys of the event still set: seats some hold still holds. */
export function heldSeatKeys(redis: Redis | Cluster, eventId: string): Promise<string[]> {
  return scanKeys(redis, `${eventKeys(eventId).seat("")}*`);
}

/** The checks once every hold has expired: `seats` are the event's seats, `sales` the orders fans were told were confirmed. */
export async function checkInvariants(redis: Redis, sql: SqlRunner, eventId: string, seats: string[], sales: Sale[]): Promise<Invariant[]> {
  const keys = eventKeys(eventId);
  const sale = await readSale(redis, sql, eventId);
  const byOrder = new Set(sale.reservations.map((r) => `${r.orderId}|${r.seatId}`));
  const missing = sales.filter((s) => !byOrder.has(`${s.orderId}|${s.seatId}`));
  const sold = new Set(sale.soldInRedis);
  const dbSold = new Set(sale.reservations.map((r) => r.seatId));
  const soldMismatch = [...dbSold].filter((s) => !sold.has(s)).length + [...sold].filter((s) => !dbSold.has(s)).length;
  const holdKeys = await redis.mget(...seats.map((s) => keys.seat(s)));
  const stillHeld = seats.filter((s, i) => holdKeys[i] !== null && !dbSold.has(s));
  return [
    { name: "no seat sold twice (MySQL)", ok: sale.seatsSoldTwice.length === 0, detail: `${sale.seatsSoldTwice.length} seats with more than one reservation; ${sale.reservations.length} seats sold` },
    { name: "every confirmed order's seat is in MySQL", ok: missing.length === 0, detail: `${sales.length} orders answered 201, ${missing.length} missing from reservations` },
    { name: "every paid order has its seats", ok: sale.paidOrdersWithoutSeats.length === 0, detail: `${sale.paidOrdersWithoutSeats.length} paid orders without reservations` },
    { name: "Redis sold set matches MySQL", ok: soldMismatch === 0, detail: `${sold.size} in Redis, ${dbSold.size} in MySQL, ${soldMismatch} differ` },
    { name: "after expiry every seat is sold or free", ok: stillHeld.length === 0, detail: `${stillHeld.length} unsold seats still held` },
  ];
}
