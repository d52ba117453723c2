/**
 * MySQL side of a purchase: the order and its reservations in one transaction under the
 * UNIQUE(event_id, seat_id) index and the per-customer limit's CHECK (customer_tickets),
 * and the lookups that settle ambiguous outcomes.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { PoolConnection as CorePoolConnection } from "mysql2";
import type mysql from "mysql2/promise";
import type { Db } from "../../db/client.ts";
import { isCheckViolation, isDuplicateKey, isRetryableConflict, isSqlError } from "../../db/errors.ts";
import { orders, reservationHistory, reservations, type OrderRow } from "../../db/schema/index.ts";

export interface NewOrder {
  id: string;
  eventId: string;
  sessionId: string;
  /** whose per-customer limit the seats count against (the identity's hash, or the session id) */
  customerId: string;
  idempotencyKey: string;
  holdId: string;
  amountCents: number;
  currency: string;
  paymentId: string;
  createdAt: Date;
  seats: Array<{ seatId: string; priceCents: number }>;
}

export type InsertResult =
  | { kind: "committed" }
  /** a seat is already sold: the unique index refused it; nothing was written */
  | { kind: "seat-taken" }
  /** the customer would pass the event's per-customer limit: customer_tickets' CHECK refused it; nothing was written */
  | { kind: "customer-limit" }
  /** the session already has an order under this idempotency key; nothing was written */
  | { kind: "idempotency-key-used" }
  /** the database refused or could not be reached before anything was sent; nothing was written */
  | { kind: "failed"; error: unknown }
  /** the connection broke mid-transaction: the commit may or may not have happened */
  | { kind: "ambiguous"; error: unknown };

const DEADLOCK_RETRIES = 3;

/**
 * Writes the order, its reservations and the customer's ticket count as one transaction
 * sent in ONE round trip (START TRANSACTION; INSERT; INSERT; INSERT; COMMIT as a
 * multi-statement query). The count is an upsert of (event, customer) carrying the event's
 * limit read in the same statement; its CHECK fails the transaction past the limit, and the
 * row lock serializes one customer's concurrent purchases. MySQL stops at
 * the first failing statement, so COMMIT only runs when both inserts succeeded; after a
 * failure the open transaction is rolled back on the same connection. Written with mysql2
 * directly (not drizzle's transaction helper, which costs four round trips): this is the
 * purchase's hot path and its database time is the sale's bottleneck. It uses mysql2's
 * callback API (the promise wrapper captures a stack trace on every query) and sends
 * `created_at` as the UTC text MySQL stores (escaping a Date converts it per value).
 */
export async function insertOrder(db: Db | mysql.Pool, order: NewOrder): Promise<InsertResult> {
  const pool = ("$client" in db ? db.$client : db).pool;
  const createdAt = utcDatetime(order.createdAt);
  const values: unknown[] = [order.id, order.eventId, order.sessionId, order.customerId, order.idempotencyKey, order.holdId, "paid", order.amountCents, order.currency, order.paymentId, createdAt];
  for (const s of order.seats) values.push(order.eventId, s.seatId, order.id, s.priceCents, createdAt);
  values.push(order.customerId, order.seats.length, order.eventId);
  const sql =
    "START TRANSACTION;" +
    "INSERT INTO orders (id, event_id, session_id, customer_id, idempotency_key, hold_id, status, amount_cents, currency, payment_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);" +
    `INSERT INTO reservations (event_id, seat_id, order_id, price_cents, created_at) VALUES ${order.seats.length === 1 ? ONE_SEAT : order.seats.map(() => "(?, ?, ?, ?, ?)").join(", ")};` +
    COUNT_CUSTOMER_TICKETS +
    "COMMIT";

  for (let attempt = 1; ; attempt++) {
    let connection: CorePoolConnection;
    try {
      connection = await new Promise<CorePoolConnection>((resolve, reject) => pool.getConnection((error, c) => (error ? reject(error) : resolve(c))));
    } catch (error) {
      return { kind: "failed", error };
    }
    const error = await new Promise<unknown>((resolve) => connection.query(sql, values, (e) => resolve(e ?? null)));
    if (error === null) {
      connection.release();
      return { kind: "committed" };
    }
    if (!isSqlError(error)) {
      // The connection broke with the batch in flight: COMMIT may or may not have run.
      connection.destroy();
      return { kind: "ambiguous", error };
    }
    const rolledBack = await new Promise<boolean>((resolve) => connection.query("ROLLBACK", (e) => resolve(!e)));
    if (rolledBack) connection.release();
    else connection.destroy();
    if (isDuplicateKey(error, "reservations_event_seat")) return { kind: "seat-taken" };
    if (isDuplicateKey(error, "orders_session_idempotency_key")) return { kind: "idempotency-key-used" };
    if (isCheckViolation(error)) return { kind: "customer-limit" };
    if (isRetryableConflict(error) && attempt < DEADLOCK_RETRIES) continue;
    return { kind: "failed", error };
  }
}

const ONE_SEAT = "(?, ?, ?, ?, ?)";

/** Adds the order's seats to the customer's count under the event's current limit (customer id, seats, event id). */
const COUNT_CUSTOMER_TICKETS =
  "INSERT INTO customer_tickets (event_id, customer_id, tickets, cap) SELECT id, ?, ?, customer_limit FROM events WHERE id = ? " +
  "ON DUPLICATE KEY UPDATE tickets = tickets + VALUES(tickets), cap = VALUES(cap);";

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC: what a DATETIME(3) column holds on connections with timezone "Z" (db/client.ts). */
export function utcDatetime(date: Date): string {
  return date.toISOString().slice(0, 23).replace("T", " ");
}

export async function findOrder(db: Db, orderId: string): Promise<OrderRow | undefined> {
  const [row] = await db.select().from(orders).where(eq(orders.id, orderId)).limit(1);
  return row;
}

/**
 * Whether an order was committed, for a purchase whose connection broke during COMMIT.
 * A locking read: while the broken connection's transaction is still open on the server
 * (its COMMIT or rollback not yet applied) it holds the order row's lock, so this waits
 * for the final state instead of reading a state that is about to change.
 */
export async function orderCommitted(pool: mysql.Pool, orderId: string): Promise<boolean> {
  const connection = await pool.getConnection();
  try {
    await connection.query("SET SESSION innodb_lock_wait_timeout = 5");
    const [rows] = await connection.query("SELECT id FROM orders WHERE id = ? LOCK IN SHARE MODE", [orderId]);
    await connection.query("SET SESSION innodb_lock_wait_timeout = DEFAULT");
    return (rows as unknown[]).length > 0;
  } finally {
    connection.release();
  }
}

export async function findOrderByIdempotencyKey(db: Db, sessionId: string, idempotencyKey: string): Promise<OrderRow | undefined> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.sessionId, sessionId), eq(orders.idempotencyKey, idempotencyKey)))
    .limit(1);
  return row;
}

export async function orderSeats(db: Db, order: OrderRow): Promise<Array<{ seatId: string; priceCents: number }>> {
  const table = order.status === "paid" ? reservations : reservationHistory;
  return db.select({ seatId: table.seatId, priceCents: table.priceCents }).from(table).where(eq(table.orderId, order.id)).orderBy(table.seatId);
}

export async function soldAmong(db: Db, eventId: string, seatIds: string[]): Promise<string[]> {
  const rows = await db
    .select({ seatId: reservations.seatId })
    .from(reservations)
    .where(and(eq(reservations.eventId, eventId), inArray(reservations.seatId, seatIds)));
  return rows.map((r) => r.seatId);
}
