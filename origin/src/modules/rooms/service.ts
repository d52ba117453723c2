/**
 * Several events and paths in one waiting room: the organiser says what a room covers (MySQL
 * first), then every room's covers are compiled into one routing table (common/room-routes.ts
 * decides overlaps) and written to Redis for the edge and the origins. A change replaces the
 * room's covers: what stays keeps the time it was first covered (an overlap's tiebreak).
 */
import type { Static } from "elysia";
import { and, eq, inArray } from "drizzle-orm";
import type Redis from "ioredis";
import { globalKeys } from "../../../../common/keys.ts";
import { compileRoutes, roomOfEvent, roomOfPath, validCoverPath, type CoverRow, type RoomRoutes } from "../../../../common/room-routes.ts";
import type { Db } from "../../db/client.ts";
import { events, roomCovers, waitingRooms } from "../../db/schema/index.ts";
import type { Deps } from "../../deps.ts";
import { InvalidRequestError, QueueNotFoundError } from "../../errors.ts";
import type { coversBody, coversView } from "./model.ts";

type CoversView = Static<typeof coversView>;

/** The table for every room's covers as MySQL has them. */
async function compiledRoutes(db: Db): Promise<RoomRoutes> {
  const [rows, rooms] = await Promise.all([db.select().from(roomCovers), db.select({ eventId: waitingRooms.eventId }).from(waitingRooms)]);
  const covers: CoverRow[] = rows.map((r) => ({ room: r.roomEventId, kind: r.kind === "path" ? "path" : "event", value: r.value, createdAt: r.createdAt.getTime() }));
  return compileRoutes(covers, new Set(rooms.map((r) => r.eventId)));
}

/** The table as MySQL has it, written to Redis; returns it. */
export async function compileAndPublish(redis: Redis, db: Db): Promise<RoomRoutes> {
  const routes = await compiledRoutes(db);
  await redis.set(globalKeys.roomRoutes, JSON.stringify(routes));
  return routes;
}

/** Publishes the table and takes it as this instance's copy at once. */
export async function publishRoutes(deps: Pick<Deps, "redis" | "database" | "rooms">): Promise<RoomRoutes> {
  const routes = await compileAndPublish(deps.redis, deps.database.db);
  deps.rooms.set(routes);
  return routes;
}

async function requireRoom(deps: Deps, eventId: string): Promise<void> {
  const [room] = await deps.database.db.select({ eventId: waitingRooms.eventId }).from(waitingRooms).where(eq(waitingRooms.eventId, eventId));
  if (!room) throw new QueueNotFoundError(eventId);
}

function view(eventId: string, rows: Array<{ kind: string; value: string }>, routes: RoomRoutes): CoversView {
  return {
    eventId,
    events: rows.filter((r) => r.kind === "event").map((r) => ({ value: r.value, room: roomOfEvent(routes, r.value) })),
    paths: rows.filter((r) => r.kind === "path").map((r) => ({ value: r.value, room: roomOfPath(routes, r.value) ?? eventId })),
  };
}

async function coversOf(deps: Deps, eventId: string) {
  return deps.database.db.select().from(roomCovers).where(eq(roomCovers.roomEventId, eventId)).orderBy(roomCovers.createdAt, roomCovers.value);
}

export async function readCovers(deps: Deps, eventId: string): Promise<CoversView> {
  await requireRoom(deps, eventId);
  const [rows, routes] = await Promise.all([coversOf(deps, eventId), compiledRoutes(deps.database.db)]);
  return view(eventId, rows, routes);
}

/** Refuses, changing nothing, a list naming a value twice, the room's own event, an unknown event or a path that is not one. */
async function checkCovers(deps: Deps, eventId: string, body: Static<typeof coversBody>): Promise<{ events: string[]; paths: string[] }> {
  const paths = body.paths ?? [];
  if (new Set(body.events).size !== body.events.length) throw new InvalidRequestError("`events` names an event twice.");
  if (new Set(paths).size !== paths.length) throw new InvalidRequestError("`paths` names a prefix twice.");
  if (body.events.includes(eventId)) throw new InvalidRequestError(`A room always covers its own event; leave ${JSON.stringify(eventId)} out of \`events\`.`);
  const bad = paths.find((p) => !validCoverPath(p));
  if (bad !== undefined) throw new InvalidRequestError(`${JSON.stringify(bad)} is not a canonical path strictly under /events/<id>/ (no dot segments, no query).`);
  if (body.events.length > 0) {
    const known = new Set((await deps.database.db.select({ id: events.id }).from(events).where(inArray(events.id, body.events))).map((e) => e.id));
    const unknown = body.events.find((e) => !known.has(e));
    if (unknown !== undefined) throw new InvalidRequestError(`There is no event ${JSON.stringify(unknown)} to cover.`);
  }
  return { events: body.events, paths };
}

export async function setCovers(deps: Deps, eventId: string, body: Static<typeof coversBody>): Promise<CoversView> {
  await requireRoom(deps, eventId);
  const wanted = await checkCovers(deps, eventId, body);
  const db = deps.database.db;
  const now = new Date(deps.clock.now());
  await db.transaction(async (tx) => {
    const held = await tx.select().from(roomCovers).where(eq(roomCovers.roomEventId, eventId));
    const keep = new Set([...wanted.events.map((v) => `event|${v}`), ...wanted.paths.map((v) => `path|${v}`)]);
    const had = new Set(held.map((r) => `${r.kind}|${r.value}`));
    for (const r of held) {
      if (!keep.has(`${r.kind}|${r.value}`)) await tx.delete(roomCovers).where(and(eq(roomCovers.roomEventId, eventId), eq(roomCovers.kind, r.kind), eq(roomCovers.value, r.value)));
    }
    const added = [...wanted.events.map((value) => ({ kind: "event", value })), ...wanted.paths.map((value) => ({ kind: "path", value }))].filter((c) => !had.has(`${c.kind}|${c.value}`));
    if (added.length > 0) await tx.insert(roomCovers).values(added.map((c) => ({ roomEventId: eventId, ...c, createdAt: now })));
  });
  const routes = await publishRoutes(deps);
  const order = [...wanted.events, ...wanted.paths];
  const rows = [...wanted.events.map((value) => ({ kind: "event", value })), ...wanted.paths.map((value) => ({ kind: "path", value }))].sort((a, b) => order.indexOf(a.value) - order.indexOf(b.value));
  return view(eventId, rows, routes);
}
