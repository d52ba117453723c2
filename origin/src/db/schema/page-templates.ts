import { datetime, mediumtext, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";

/**
 * The organiser's own pages for the line's states (common/page-template.ts), per event,
 * kind and language, sanitised before they are kept; MySQL is the record, Redis holds the copy the edge
 * reads. No foreign key to `events`, as for `waiting_rooms`.
 */
export const pageTemplates = mysqlTable(
  "page_templates",
  {
    eventId: varchar("event_id", { length: 64 }).notNull(),
    /** waiting | prequeue | paused | soldout | closed */
    kind: varchar("kind", { length: 16 }).notNull(),
    /** the language the page is for (common/page-template.ts, TEMPLATE_LANGS); '' for the default one, shown in every language without its own */
    lang: varchar("lang", { length: 8 }).notNull().default(""),
    /** sanitised HTML with its {{placeholders}} */
    html: mediumtext("html").notNull(),
    updatedAt: datetime("updated_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [primaryKey({ name: "page_templates_pk", columns: [t.eventId, t.kind, t.lang] })],
);

export type PageTemplateRow = typeof pageTemplates.$inferSelect;
