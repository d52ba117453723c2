/**
 * Which events the scheduler drives: every event on sale in MySQL gets a waiting room
 * (a pre-queue until its sale opens), and any waiting room an admin opened by hand.
 */
import { eq } from "drizzle-orm";
import type Redis from "ioredis";
import { eventKeys, globalKeys } from "../../../common/keys.ts";
import type { Db } from "../db/client.ts";
import { events } from "../db/schema/index.ts";

/** Creates the waiting room of an event unless it has one: field by field, never overwriting. */
export async function ensureQueue(redis: Redis, eventId: string, init: { opensAt: number; maxActive?: number; now: number }): Promise<boolean> {
  const k = eventKeys(eventId);
  const status = init.opensAt > init.now ? "prequeue" : "open";
  const pipeline = redis.multi().hsetnx(k.queueState, "status", status);
  pipeline.hsetnx(k.queueState, "opensAt", init.opensAt).hsetnx(k.queueState, "statusAt", init.now);
  if (init.maxActive) pipeline.hsetnx(k.queueState, "maxActive", init.maxActive);
  pipeline.sadd(globalKeys.queues, eventId);
  const replies = await pipeline.exec();
  return replies?.[0]?.[1] === 1;
}

export async function discoverEvents(redis: Redis, db: Db, now: number): Promise<string[]> {
  const onSale = await db.select({ id: events.id, saleOpensAt: events.saleOpensAt, maxActive: events.maxActive }).from(events).where(eq(events.status, "on_sale"));
  for (const e of onSale) {
    await ensureQueue(redis, e.id, { opensAt: e.saleOpensAt.getTime(), maxActive: e.maxActive, now });
  }
  return redis.smembers(globalKeys.queues);
}
