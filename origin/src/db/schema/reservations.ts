import { bigint, datetime, foreignKey, index, int, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";
import { orders } from "./orders.ts";
import { seats } from "./seats.ts";

/**
 * One row per sold seat. UNIQUE(event_id, seat_id) is the last line of defence against
 * double booking: whatever Redis believed, a second insert of the same seat fails.
 * Only live sales live here; a cancelled or refunded seat's row moves to
 * `reservation_history` in the refund transaction, which frees the seat for sale again.
 */
export const reservations = mysqlTable(
  "reservations",
  {
    id: bigint("id", { mode: "number", unsigned: true }).autoincrement().primaryKey(),
    eventId: varchar("event_id", { length: 64 }).notNull(),
    seatId: varchar("seat_id", { length: 32 }).notNull(),
    orderId: varchar("order_id", { length: 40 })
      .notNull()
      .references(() => orders.id),
    priceCents: int("price_cents").notNull(),
    createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [
    uniqueIndex("reservations_event_seat").on(t.eventId, t.seatId),
    index("reservations_order").on(t.orderId),
    foreignKey({ name: "reservations_seat_fk", columns: [t.eventId, t.seatId], foreignColumns: [seats.eventId, seats.seatId] }),
  ],
);

/** Reservations that were cancelled or refunded: kept for the record, off the unique index. */
export const reservationHistory = mysqlTable(
  "reservation_history",
  {
    id: bigint("id", { mode: "number", unsigned: true }).primaryKey(),
    eventId: varchar("event_id", { length: 64 }).notNull(),
    seatId: varchar("seat_id", { length: 32 }).notNull(),
    orderId: varchar("order_id", { length: 40 }).notNull(),
    priceCents: int("price_cents").notNull(),
    createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
    endedAt: datetime("ended_at", { mode: "date", fsp: 3 }).notNull(),
    reason: varchar("reason", { length: 16, enum: ["refunded", "cancelled"] }).notNull(),
  },
  (t) => [index("reservation_history_event_seat").on(t.eventId, t.seatId), index("reservation_history_order").on(t.orderId)],
);

export type ReservationRow = typeof reservations.$inferSelect;
