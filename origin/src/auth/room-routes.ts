/**
 * The rooms' routing table as this instance knows it (common/room-routes.ts), for the
 * active-token guard: a token of one room is accepted on the events the room covers. Read
 * from Redis (`cu:rooms:routes`) and kept ROOM_ROUTES_FRESH_MS; the instance that changes a
 * room's covers sets its copy at once, the others follow within that time. When Redis has
 * no table (it lost it), `rebuild` writes it again from MySQL.
 */
import type Redis from "ioredis";
import { globalKeys } from "../../../common/keys.ts";
import { NO_ROUTES, parseRoutes, roomOfEvent, type RoomRoutes } from "../../../common/room-routes.ts";
import type { Clock } from "../lib/clock.ts";

/** How long an instance uses its copy of the table before reading it again. */
export const ROOM_ROUTES_FRESH_MS = 2000;

export interface RoomRoutesReader {
  /** the room whose line the event is in: its own id when no other room covers it */
  roomOf(eventId: string): Promise<string>;
  /** this instance's copy, replaced (after a change it published) */
  set(routes: RoomRoutes): void;
}

export function createRoomRoutesReader({ redis, clock, rebuild }: { redis: Redis; clock: Clock; rebuild?: () => Promise<RoomRoutes> }): RoomRoutesReader {
  let routes: RoomRoutes = NO_ROUTES;
  let at = -Infinity;
  let reading: Promise<RoomRoutes> | null = null;
  const read = async (): Promise<RoomRoutes> => {
    try {
      const raw = (await redis.get(globalKeys.roomRoutes)) as string | null;
      routes = raw === null && rebuild ? await rebuild() : parseRoutes(raw);
      at = clock.now();
    } finally {
      reading = null;
    }
    return routes;
  };
  return {
    async roomOf(eventId) {
      const table = clock.now() - at <= ROOM_ROUTES_FRESH_MS ? routes : await (reading ??= read());
      return roomOfEvent(table, eventId);
    },
    set(next) {
      routes = next;
      at = clock.now();
    },
  };
}
