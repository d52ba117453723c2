import { char, datetime, index, int, mysqlTable, primaryKey, uniqueIndex, varchar } from "drizzle-orm/mysql-core";

/**
 * Presale and access control, per event, in MySQL as the record: the organiser's access
 * codes (only a SHA-256 of each code is kept), every redemption (one per queue ticket,
 * written before the fan gets the place, so a Redis that loses the line never hands a used
 * code out again)..
 *
 * No foreign key to `events`, as for `waiting_rooms`: a waiting room may run for an id with
 * no event row (tests, load drivers).
 */
export const accessCodes = mysqlTable(
  "access_codes",
  {
    id: varchar("id", { length: 40 }).primaryKey(),
    eventId: varchar("event_id", { length: 64 }).notNull(),
    /** hex SHA-256 of `access-code:<eventId>:<code>` (common/access.ts); never the code */
    codeHash: char("code_hash", { length: 64 }).notNull(),
    label: varchar("label", { length: 100 }),
    /** how many places the code gives (1 = single-use) */
    uses: int("uses").notNull(),
    /** redemptions so far: the count of its rows in access_code_redemptions, kept in the same transaction */
    used: int("used").notNull().default(0),
    /** the seat tier the code is for; null = any */
    tier: varchar("tier", { length: 32 }),
    validFrom: datetime("valid_from", { mode: "date", fsp: 3 }),
    validUntil: datetime("valid_until", { mode: "date", fsp: 3 }),
    revokedAt: datetime("revoked_at", { mode: "date", fsp: 3 }),
    createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [uniqueIndex("access_codes_event_hash").on(t.eventId, t.codeHash)],
);

/** One row per place a code gave: the queue ticket it was given to. */
export const accessCodeRedemptions = mysqlTable(
  "access_code_redemptions",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    ticketId: varchar("ticket_id", { length: 64 }).notNull(),
    codeId: varchar("code_id", { length: 40 }).notNull(),
    redeemedAt: datetime("redeemed_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [primaryKey({ name: "access_code_redemptions_pk", columns: [t.eventId, t.ticketId] }), index("access_code_redemptions_code").on(t.codeId)],
);

export type AccessCodeRow = typeof accessCodes.$inferSelect;
