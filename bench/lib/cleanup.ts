/**
 * Removes what a bench event left: its MySQL rows and every Redis key of its hash slot
 * prefix, and its entry in the index of open queues. Every scenario cleans its scratch
 * events with this (through the stack, bench/lib/stack.ts), so none keeps its own copy.
 */
import type Redis from "ioredis";
import type mysql from "mysql2/promise";
import { eventKeys, globalKeys } from "../../common/keys.ts";

/**
 * Children before parents: reservations, their history and orders point at seats and events;
 * the waiting room's durable tables go too (left behind, a scheduler on any Redis would find
 * the room missing there and restore it).
 */
const TABLES = ["reservations", "reservation_history", "orders", "seats", "admissions", "ended_sessions", "queue_checkpoints", "waiting_rooms", "events"] as const;

export async function cleanUp(pool: mysql.Pool, redis: Redis, eventId: string): Promise<void> {
  for (const table of TABLES) {
    await pool.query(`DELETE FROM ${table} WHERE ${table === "events" ? "id" : "event_id"} = ?`, [eventId]);
  }
  await dropEventKeys(redis, eventId);
}

/** The Redis half alone, for events that never had rows in MySQL (the edge scenario's). */
export async function dropEventKeys(redis: Redis, eventId: string): Promise<void> {
  const prefix = eventKeys(eventId).config.replace(/config$/, "");
  let cursor = "0";
  do {
    const [nextCursor, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
  await redis.srem(globalKeys.queues, eventId);
}
