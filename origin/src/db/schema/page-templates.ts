import { datetime, mediumtext, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";

/**
 * The organiser's own pages for the line's states (common/page-template.ts), per event and
 * kind, sanitised before they are kept; MySQL is the record, Redis holds the copy the edge
 * reads. No foreign key to `events`, as for `waiting_rooms`.
 */
export const pageTemplates = mysqlTable(
  "page_templates",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    /** waiting | prequeue | paused | soldout | closed */
    kind: varchar("kind", { length: 16 }).notNull(),
    /** sanitised HTML with its {{placeholders}} */
    html: mediumtext("html").notNull(),
    updatedAt: datetime("updated_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [primaryKey({ name: "page_templates_pk", columns: [t.eventId, t.kind] })],
);

export type PageTemplateRow = typeof pageTemplates.$inferSelect;
