import { datetime, int, mysqlTable, varchar } from "drizzle-orm/mysql-core";

export const EVENT_STATUSES = ["draft", "on_sale", "closed"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const events = mysqlTable("events", {
  id: varchar("id", { length: 64 }).primaryKey(),
  name: varchar("name", { length: 200 }).notNull(),
  venue: varchar("venue", { length: 200 }).notNull(),
  startsAt: datetime("starts_at", { mode: "date", fsp: 3 }).notNull(),
  saleOpensAt: datetime("sale_opens_at", { mode: "date", fsp: 3 }).notNull(),
  status: varchar("status", { length: 16, enum: EVENT_STATUSES }).notNull().default("on_sale"),
  perOrderLimit: int("per_order_limit").notNull().default(4),
  /** tickets one customer may hold and buy in the event over all their orders and sessions; null = no limit */
  customerLimit: int("customer_limit"),
  holdSeconds: int("hold_seconds").notNull().default(300),
  /** fans admitted per second by the scheduler */
  admissionRate: int("admission_rate").notNull().default(50),
  /** fans allowed to be active (admitted, holding or paying) at once */
  maxActive: int("max_active").notNull().default(1000),
  createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
});

export type EventRow = typeof events.$inferSelect;
