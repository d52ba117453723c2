import { index, int, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";
import { events } from "./events.ts";

/** The seat layout of an event. Fixed once the event is created. */
export const seats = mysqlTable(
  "seats",
  {
    eventId: varchar("event_id", { length: 64 })
      .notNull()
      .references(() => events.id),
    /** stable id shaped `<section>-<row>-<number>`, e.g. `A-12-7` */
    seatId: varchar("seat_id", { length: 32 }).notNull(),
    section: varchar("section", { length: 8 }).notNull(),
    row: int("seat_row").notNull(),
    number: int("seat_number").notNull(),
    tier: varchar("tier", { length: 32 }).notNull(),
    priceCents: int("price_cents").notNull(),
  },
  (t) => [primaryKey({ name: "seats_pk", columns: [t.eventId, t.seatId] }), index("seats_event_tier").on(t.eventId, t.tier)],
);

export type SeatRow = typeof seats.$inferSelect;
