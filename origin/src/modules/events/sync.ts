/**
 * Keeps Redis in step with MySQL for what the hot path reads from Redis: the event's
 * settings (`config`) and its sold seats (`sold`). Run when an event is created, when the
 * origin starts, and whenever a script finds the settings gone (e.g. after a flush).
 */
import { eq } from "drizzle-orm";
import type Redis from "ioredis";
import { eventKeys } from "../../../../common/keys.ts";
import type { Db } from "../../db/client.ts";
import { events, orders, reservations, type EventRow } from "../../db/schema/index.ts";

export async function publishEventSettings(
  redis: Redis,
  event: Pick<EventRow, "id" | "perOrderLimit" | "holdSeconds" | "customerLimit">,
  tiers?: ReadonlyArray<{ tier: string; priceCents: number }>,
): Promise<void> {
  const config = eventKeys(event.id).config;
  // the tiers and their lowest prices, for the edge to check a fan's declared choice (left as they are when not given)
  const settings = { perOrderLimit: event.perOrderLimit, holdSeconds: event.holdSeconds, ...(tiers ? { tiers: JSON.stringify(tiers.map((t) => ({ tier: t.tier, lowestPriceCents: t.priceCents }))) } : {}) };
  if (event.customerLimit === null || event.customerLimit === undefined) await redis.multi().hset(config, settings).hdel(config, "customerLimit").exec();
  else await redis.hset(config, { ...settings, customerLimit: event.customerLimit });
}

/**
 * Adds every seat MySQL has sold to the sold set, and to its customer's count (score inf,
 * the per-customer limit's index). Only adds: a seat sold by another origin while this
 * runs is never dropped; a refund removes its own seats.
 */
export async function rebuildSoldSet(redis: Redis, db: Db, eventId: string): Promise<number> {
  const rows = await db
    .select({ seatId: reservations.seatId, customerId: orders.customerId })
    .from(reservations)
    .innerJoin(orders, eq(orders.id, reservations.orderId))
    .where(eq(reservations.eventId, eventId));
  const keys = eventKeys(eventId);
  for (let i = 0; i < rows.length; i += 1000) {
    await redis.sadd(keys.sold, ...rows.slice(i, i + 1000).map((r) => r.seatId));
  }
  const byCustomer = new Map<string, string[]>();
  for (const r of rows) if (r.customerId) byCustomer.set(r.customerId, [...(byCustomer.get(r.customerId) ?? []), r.seatId]);
  const customers = [...byCustomer];
  for (let i = 0; i < customers.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const [customerId, seatIds] of customers.slice(i, i + 500)) {
      const key = keys.customerSeats(customerId);
      pipeline.zadd(key, ...seatIds.flatMap((id) => ["+inf", id])).persist(key);
    }
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
  }
  return rows.length;
}

export async function syncEvent(redis: Redis, db: Db, event: EventRow, tiers?: ReadonlyArray<{ tier: string; priceCents: number }>): Promise<number> {
  await publishEventSettings(redis, event, tiers);
  return rebuildSoldSet(redis, db, event.id);
}

export async function syncAllEvents(redis: Redis, db: Db): Promise<{ events: number; soldSeats: number }> {
  const all = await db.select().from(events);
  let soldSeats = 0;
  for (const event of all) soldSeats += await syncEvent(redis, db, event);
  return { events: all.length, soldSeats };
}
