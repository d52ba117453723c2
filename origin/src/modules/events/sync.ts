/**
 * Keeps Redis in step with MySQL for what the hot path reads from Redis: the event's
 * settings (`config`) and its sold seats (`sold`). Run when an event is created, when the
 * origin starts, and whenever a script finds the settings gone (e.g. after a flush).
 */
import { eq } from "drizzle-orm";
import type Redis from "ioredis";
import { eventKeys } from "../../../../common/keys.ts";
import type { Db } from "../../db/client.ts";
import { events, reservations, type EventRow } from "../../db/schema/index.ts";

export async function publishEventSettings(redis: Redis, event: Pick<EventRow, "id" | "perOrderLimit" | "holdSeconds">): Promise<void> {
  await redis.hset(eventKeys(event.id).config, { perOrderLimit: event.perOrderLimit, holdSeconds: event.holdSeconds });
}

/**
 * Adds every seat MySQL has sold to the sold set. Only adds: a seat sold by another origin
 * while this runs is never dropped; a refund removes its own seats.
 */
export async function rebuildSoldSet(redis: Redis, db: Db, eventId: string): Promise<number> {
  const rows = await db.select({ seatId: reservations.seatId }).from(reservations).where(eq(reservations.eventId, eventId));
  const sold = eventKeys(eventId).sold;
  for (let i = 0; i < rows.length; i += 1000) {
    await redis.sadd(sold, ...rows.slice(i, i + 1000).map((r) => r.seatId));
  }
  return rows.length;
}

export async function syncEvent(redis: Redis, db: Db, event: EventRow): Promise<number> {
  await publishEventSettings(redis, event);
  return rebuildSoldSet(redis, db, event.id);
}

export async function syncAllEvents(redis: Redis, db: Db): Promise<{ events: number; soldSeats: number }> {
  const all = await db.select().from(events);
  let soldSeats = 0;
  for (const event of all) soldSeats += await syncEvent(redis, db, event);
  return { events: all.length, soldSeats };
}
