import { datetime, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";

/**
 * What each waiting room covers besides its own event (common/room-routes.ts): other events
 * and path prefixes under `/events/<id>/`. MySQL is the record; the origin compiles every
 * room's covers into one routing table and publishes it to Redis on each change. `created_at`
 * is when the room first covered the value: an overlap goes to the room that covered it first.
 * No foreign key to `events`, as for `waiting_rooms`.
 */
export const roomCovers = mysqlTable(
  "room_covers",
  {
    roomEventId: varchar("room_event_id", { length: 64 }).notNull(),
    /** `event` or `path` */
    kind: varchar("kind", { length: 8 }).notNull(),
    /** the covered event's id, or the path prefix */
    value: varchar("value", { length: 200 }).notNull(),
    createdAt: datetime("created_at", { mode: "date", fsp: 3 }).notNull(),
  },
  (t) => [primaryKey({ name: "room_covers_pk", columns: [t.roomEventId, t.kind, t.value] })],
);

export type RoomCoverRow = typeof roomCovers.$inferSelect;
