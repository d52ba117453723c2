import { datetime, int, mysqlTable, primaryKey, smallint, unique, varchar } from "drizzle-orm/mysql-core";

/**
 * The waiting list after sell-out, one row per entry (one per ticket), so the list survives
 * Redis: the scheduling leader copies each new entry from Redis (where the place is drawn,
 * atomically) and records what became of its offer. No foreign key to `events`, as for
 * `waiting_rooms`.
 */
export const WAITLIST_STATUSES = ["waiting", "offered", "claimed", "passed"] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

export const waitlistEntries = mysqlTable(
  "waitlist_entries",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    /** the order the fan joined the list in (1, 2, ...) */
    place: int("place", { unsigned: true }).notNull(),
    ticketId: varchar("ticket_id", { length: 64 }).notNull(),
    quantity: smallint("quantity", { unsigned: true }).notNull(),
    /** the seat tier asked for; null = any */
    tier: varchar("tier", { length: 32 }),
    /** how the fan may be told (an address or number they gave); null = none */
    contact: varchar("contact", { length: 200 }),
    status: varchar("status", { length: 16, enum: WAITLIST_STATUSES }).notNull().default("waiting"),
    joinedAt: datetime("joined_at", { mode: "date", fsp: 3 }).notNull(),
    offeredAt: datetime("offered_at", { mode: "date", fsp: 3 }),
    offerDeadline: datetime("offer_deadline", { mode: "date", fsp: 3 }),
    /** the seats of the last offer, comma-separated */
    offerSeats: varchar("offer_seats", { length: 512 }),
    endedAt: datetime("ended_at", { mode: "date", fsp: 3 }),
  },
  (t) => [primaryKey({ name: "waitlist_entries_pk", columns: [t.eventId, t.place] }), unique("waitlist_entries_ticket").on(t.eventId, t.ticketId)],
);

export type WaitlistEntryRow = typeof waitlistEntries.$inferSelect;
