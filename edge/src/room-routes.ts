/**
 * The rooms' routing table at the edge (common/room-routes.ts; the origin publishes it to
 * `cu:rooms:routes` on every change of covers): which room's line a covered event's page,
 * /queue and /api are in, and which room a path prefix under /events/<id>/ is behind. Every
 * event request consults it, so it is cached per isolate like the bypass rules: one GET per
 * ROOM_ROUTES_FRESH_MS at most, refreshed after the answer once the isolate has a copy.
 * Redis failing: the last copy stays, or none (every event is in its own room).
 */
import { globalKeys } from "../../common/keys.ts";
import { NO_ROUTES, parseRoutes, type RoomRoutes } from "../../common/room-routes.ts";
import { config, type Env } from "./env.ts";
import { client } from "./redis.ts";

/** What the table's refresh needs of the request's context (ExecutionContext has it; the bench imports this without Workers types). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

const cached: { routes: RoomRoutes; at: number; refreshing: Promise<RoomRoutes> | null } = { routes: NO_ROUTES, at: 0, refreshing: null };

async function read(env: Env): Promise<RoomRoutes> {
  try {
    cached.routes = parseRoutes((await client(env).redis.get(globalKeys.roomRoutes)) as string | null);
  } catch (e) {
    console.error("room routes: Redis read failed; keeping the last copy", e);
  }
  cached.at = Date.now();
  cached.refreshing = null;
  return cached.routes;
}

/** The table: this isolate's copy, read again when older than ROOM_ROUTES_FRESH_MS (the first request of an isolate waits for it). */
export async function roomRoutes(env: Env, ctx: WaitUntil): Promise<RoomRoutes> {
  if (cached.at === 0) return cached.refreshing ?? (cached.refreshing = read(env));
  if (Date.now() - cached.at > config(env).roomRoutesFreshMs && !cached.refreshing) {
    cached.refreshing = read(env);
    ctx.waitUntil(cached.refreshing);
  }
  return cached.routes;
}
