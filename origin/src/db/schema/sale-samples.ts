import { bigint, datetime, double, int, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";

/**
 * The whole sale, a sample every few seconds, for the report after it (the dashboard's Redis
 * list keeps only the last ten minutes). Written by the scheduling leader; rows per event are
 * bounded: past the cap every other row is dropped and the spacing doubles
 * (origin/src/modules/report/samples.ts). No foreign key to `events`, as for `waiting_rooms`.
 */
export const saleSamples = mysqlTable(
  "sale_samples",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    at: datetime("at", { mode: "date", fsp: 3 }).notNull(),
    status: varchar("status", { length: 16 }).notNull(),
    waiting: int("waiting").notNull(),
    /** the ticket counter: numbers handed out so far */
    lastNumber: bigint("last_number", { mode: "number", unsigned: true }).notNull(),
    admittedTotal: bigint("admitted_total", { mode: "number", unsigned: true }).notNull(),
    sold: int("sold").notNull(),
    targetRate: double("target_rate").notNull(),
    /** purchase transactions timed in the window before `at` (all instances) */
    dbPurchases: int("db_purchases").notNull(),
    dbWindowMs: int("db_window_ms").notNull(),
    /** their p95 (the order insert, pool wait included); null: none in the window */
    dbP95Ms: double("db_p95_ms"),
  },
  (t) => [primaryKey({ name: "sale_samples_pk", columns: [t.eventId, t.at] })],
);
