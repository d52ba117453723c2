import { boolean, datetime, mysqlTable, uniqueIndex, varchar } from "drizzle-orm/mysql-core";

/**
 * Bypass rules for staff and monitoring, per event, in MySQL as the record (the edge reads
 * the enabled ones from Redis, where the origin publishes them on every change): a path
 * prefix that never queues, a staff secret (only its SHA-256 is kept) or an IP range.
 * How many requests each let through is counted in Redis (`cu:{e}:bypass:uses`).
 * No foreign key to `events`, as for `waiting_rooms` and `access_codes`.
 */
export const bypassRules = mysqlTable(
  "bypass_rules",
  {
    id: varchar("id", { length: 40 }).primaryKey(),
    eventId: varchar("event_id", { length: 64 }).notNull(),
    /** `path`, `header` or `ip` (common/bypass.ts) */
    kind: varchar("kind", { length: 8 }).notNull(),
    label: varchar("label", { length: 100 }).notNull(),
    /** the path prefix, the hex SHA-256 of the secret (never the secret), or the CIDR range in its one written form */
    value: varchar("value", { length: 200 }).notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [uniqueIndex("bypass_rules_event_value").on(t.eventId, t.kind, t.value)],
);

export type BypassRuleRow = typeof bypassRules.$inferSelect;
