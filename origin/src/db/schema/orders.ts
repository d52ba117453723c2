import { check, datetime, index, int, mysqlTable, primaryKey, uniqueIndex, varchar, char } from "drizzle-orm/mysql-core";
import { sql } from "drizzle-orm";
import { events } from "./events.ts";

export const ORDER_STATUSES = ["paid", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * One row per completed purchase, written in the same transaction as its reservations.
 * A purchase that fails leaves no order row (its outcome lives in the idempotency record).
 */
export const orders = mysqlTable(
  "orders",
  {
    id: varchar("id", { length: 40 }).primaryKey(),
    eventId: varchar("event_id", { length: 64 })
      .notNull()
      .references(() => events.id),
    /** the active session that bought it */
    sessionId: varchar("session_id", { length: 64 }).notNull(),
    /** the customer it counts for (the identity's hash, or the session id without one); null on orders from before customers were counted */
    customerId: varchar("customer_id", { length: 64 }),
    idempotencyKey: varchar("idempotency_key", { length: 128 }).notNull(),
    holdId: varchar("hold_id", { length: 64 }).notNull(),
    status: varchar("status", { length: 16, enum: ORDER_STATUSES }).notNull(),
    amountCents: int("amount_cents").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    paymentId: varchar("payment_id", { length: 64 }).notNull(),
    createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
    refundedAt: datetime("refunded_at", { mode: "date", fsp: 3 }),
  },
  (t) => [
    uniqueIndex("orders_session_idempotency_key").on(t.sessionId, t.idempotencyKey),
    index("orders_event_status").on(t.eventId, t.status),
    index("orders_event_customer").on(t.eventId, t.customerId),
  ],
);

/**
 * The tickets each customer bought in an event, over all their orders: the per-customer
 * limit's last line, as UNIQUE(event_id, seat_id) is for seats. The purchase transaction
 * adds its seats here with the event's limit of that moment in `cap`, and the CHECK refuses
 * the whole transaction when that passes it, whatever Redis believed. A refund takes its
 * seats off (and clears `cap`: the check is the purchase's, never the refund's).
 */
export const customerTickets = mysqlTable(
  "customer_tickets",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    customerId: varchar("customer_id", { length: 64 }).notNull(),
    tickets: int("tickets").notNull().default(0),
    cap: int("cap"),
  },
  (t) => [primaryKey({ name: "customer_tickets_pk", columns: [t.eventId, t.customerId] }), check("customer_tickets_cap", sql`${t.cap} IS NULL OR ${t.tickets} <= ${t.cap}`)],
);

export type OrderRow = typeof orders.$inferSelect;
