/**
 * An event's waiting room in Redis as the origin leaves it when a sale goes live, for tests
 * that drive the edge or the scheduler without creating the event in MySQL.
 */
import type Redis from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";
import { uniqueEventId } from "./event-ids.ts";

/** The queue state says `open` (plus any other queue-state fields). */
export async function openWaitingRoom(redis: Redis, eventId: string, fields: Record<string, string | number> = {}): Promise<void> {
  await redis.hset(eventKeys(eventId).queueState, { status: "open", ...fields });
}

/**
 * Lists the event in the registry of queues (`cu:queues`), as the origin does: a scheduler
 * on this Redis then drives it, and the edge knows it exists while its state is missing.
 */
export async function registerWaitingRoom(redis: Redis, eventId: string): Promise<void> {
  await redis.sadd(globalKeys.queues, eventId);
}

export async function setWaitingRoomStatus(redis: Redis, eventId: string, status: string): Promise<void> {
  await redis.hset(eventKeys(eventId).queueState, "status", status);
}

/** A new event id with an open waiting room; `registered` lists it in `cu:queues` too. */
export async function newOpenEvent(redis: Redis, label: string, { registered = false } = {}): Promise<string> {
  const eventId = uniqueEventId(label);
  await openWaitingRoom(redis, eventId);
  if (registered) await registerWaitingRoom(redis, eventId);
  return eventId;
}
