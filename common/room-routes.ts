/**
 * One waiting room for several events and paths (a tour's nights queued in one line): what a
 * room may cover, how overlapping rooms are decided once for all (the origin computes the
 * table from MySQL and publishes it to Redis, `cu:rooms:routes`), and how the edge and the
 * origin read it for a request. Every event keeps its own line machinery (`cu:{<eventId>}:...`);
 * a covered event just has no line of its own: its fans stand in the room's.
 *
 * Precedence, so that exactly one room decides per request:
 *   1. an event with a waiting room of its own is in that room (a cover never takes it);
 *   2. otherwise the room that covered the event first (ties: the smaller room id);
 *   3. a path under `/events/<id>/` goes to the room with the longest prefix holding it
 *      (ties: the room that covered that prefix first, then the smaller room id).
 */
import { EVENT_ID_PATTERN } from "./keys.ts";
import { validPathPrefix } from "./bypass.ts";

/** The table as published: covered event -> its room, and path prefixes (longest first) -> their room. */
export interface RoomRoutes {
  events: Record<string, string>;
  paths: Array<{ prefix: string; room: string }>;
}

export const NO_ROUTES: RoomRoutes = { events: {}, paths: [] };

/** The most events and paths one room may cover. */
export const MAX_COVERS = 50;

/** One cover as kept: a room, what it covers (`event` id or `path` prefix), and since when (ms). */
export interface CoverRow {
  room: string;
  kind: "event" | "path";
  value: string;
  createdAt: number;
}

const earlier = (a: CoverRow, b: CoverRow) => a.createdAt - b.createdAt || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0);

/** The routing table for every cover, given which events have a room of their own. */
export function compileRoutes(covers: readonly CoverRow[], ownRooms: ReadonlySet<string>): RoomRoutes {
  const events: Record<string, CoverRow> = {};
  const paths: Record<string, CoverRow> = {};
  for (const c of covers) {
    if (c.kind === "event") {
      if (ownRooms.has(c.value) || c.value === c.room) continue;
      const held = events[c.value];
      if (!held || earlier(c, held) < 0) events[c.value] = c;
    } else {
      const held = paths[c.value];
      if (!held || earlier(c, held) < 0) paths[c.value] = c;
    }
  }
  return {
    events: Object.fromEntries(Object.entries(events).map(([e, c]) => [e, c.room])),
    paths: Object.values(paths)
      .map((c) => ({ prefix: c.value, room: c.room }))
      .sort((a, b) => b.prefix.length - a.prefix.length || (a.prefix < b.prefix ? -1 : 1)),
  };
}

/** A published table, or none for anything that is not one (a reader never fails on it). */
export function parseRoutes(raw: string | null): RoomRoutes {
  if (!raw) return NO_ROUTES;
  try {
    const parsed = JSON.parse(raw) as RoomRoutes;
    if (typeof parsed !== "object" || parsed === null || typeof parsed.events !== "object" || !Array.isArray(parsed.paths)) return NO_ROUTES;
    return parsed;
  } catch {
    return NO_ROUTES;
  }
}

/** Whose line an event's page and /api are in: the room covering it, else its own. */
export function roomOfEvent(routes: RoomRoutes, eventId: string): string {
  const room = routes.events[eventId];
  return typeof room === "string" && EVENT_ID_PATTERN.test(room) ? room : eventId;
}

/** The room whose path prefix holds the path (the longest), or null. */
export function roomOfPath(routes: RoomRoutes, path: string): string | null {
  for (const r of routes.paths) if (path === r.prefix || path.startsWith(r.prefix.endsWith("/") ? r.prefix : `${r.prefix}/`)) return r.room;
  return null;
}

/** Where a path cover may point: a canonical prefix strictly under some `/events/<id>/` (the bypass rules' rule). */
export function validCoverPath(path: string): boolean {
  const m = /^\/events\/([^/]+)\//.exec(path);
  return !!m && EVENT_ID_PATTERN.test(m[1]!) && validPathPrefix(m[1]!, path);
}
