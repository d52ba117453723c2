import { datetime, index, int, mysqlTable, uniqueIndex, varchar, char } from "drizzle-orm/mysql-core";
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
  ],
);

export type OrderRow = typeof orders.$inferSelect;
