/**
 * Removes everything one event left behind, so tests, chaos runs and benches leave the
 * shared servers as they found them: every Redis key of the event (found with SCAN on its
 * hash tag, never KEYS, which blocks the server), its entry in the registry of queues, and
 * its MySQL rows. Left behind, a waiting room's durable rows would make a scheduler on any
 * Redis find the room missing and restore it.
 */
import type { Cluster, Redis } from "ioredis";
import { eventKeys, globalKeys } from "../../common/keys.ts";

/** What runs a statement: a mysql2 pool or connection. */
export interface SqlRunner {
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

/**
 * An event's tables, children before parents: reservations, their history and orders point
 * at seats and events; then the waiting room's durable tables; the event last.
 */
const EVENT_TABLES = ["reservations", "reservation_history", "orders", "customer_tickets", "seats", "admissions", "ended_sessions", "queue_checkpoints", "waiting_rooms", "access_code_redemptions", "access_codes", "bypass_rules", "page_templates", "sale_samples", "waitlist_entries"] as const;

/** The pattern of every key of the event: `cu:{<eventId>}:*`, from the one key builder. */
export function eventKeyPattern(eventId: string): string {
  return `${eventKeys(eventId).config.replace(/config$/, "")}*`;
}

/** Every key matching `pattern`, found with SCAN (on a Cluster: on every master). */
export async function scanKeys(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  const servers = "isCluster" in redis && redis.isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
  const found: string[] = [];
  for (const server of servers) {
    let cursor = "0";
    do {
      const [next, keys] = await server.scan(cursor, "MATCH", pattern, "COUNT", 5000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== "0");
  }
  return found;
}

/** Every key of the event (the hash tag puts them all in one slot, so on one server). */
export function eventRedisKeys(redis: Redis | Cluster, eventId: string): Promise<string[]> {
  return scanKeys(redis, eventKeyPattern(eventId));
}

/** The Redis half alone: the event's keys and its entry in `cu:queues`. */
export async function obliterateEventKeys(redis: Redis | Cluster, eventId: string): Promise<void> {
  const keys = await eventRedisKeys(redis, eventId);
  // one slot: a Cluster takes them in one call too
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
  await redis.srem(globalKeys.queues, eventId);
}

/** The MySQL half alone. A database whose migrations never ran has nothing to remove. */
export async function obliterateEventRows(sql: SqlRunner, eventId: string): Promise<void> {
  try {
    for (const table of EVENT_TABLES) await sql.query(`DELETE FROM ${table} WHERE event_id = ?`, [eventId]);
    await sql.query("DELETE FROM events WHERE id = ?", [eventId]);
    await sql.query("DELETE FROM room_covers WHERE room_event_id = ? OR (kind = 'event' AND value = ?)", [eventId, eventId]);
  } catch (error) {
    if ((error as { code?: string }).code !== "ER_NO_SUCH_TABLE") throw error;
  }
}

/**
 * Both halves: nothing of the event is left in Redis or MySQL. MySQL first: a scheduler
 * still running that found the room in MySQL with its Redis keys gone would take it for a
 * lost line and restore it (no scheduler writes a room into MySQL, so the other order
 * leaves nothing to bring back).
 */
export async function obliterateEvent(redis: Redis | Cluster, sql: SqlRunner, eventId: string): Promise<void> {
  await obliterateEventRows(sql, eventId);
  await obliterateEventKeys(redis, eventId);
}
