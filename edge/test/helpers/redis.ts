/** Direct Redis access for tests: set up an event's queue, admit fans, inspect keys, clean up. */
import Redis from "ioredis";
import { createConnection } from "mysql2/promise";
import { eventKeys, globalKeys } from "../../../common/keys.ts";
import admitHeadSource from "./admitHead-5.lua";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const redis = new Redis(REDIS_URL);

let counter = 0;
/** An event id no other test (or earlier run) uses. */
export function newEventId(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Opens an event's waiting room in Redis as the origin does when a sale goes live, but
 * outside the registry `cu:queues`: a real origin a test runs would schedule it otherwise.
 */
export async function openQueue(eventId: string, fields: Record<string, string | number> = {}) {
  await redis.hset(eventKeys(eventId).queueState, { status: "open", ...fields });
}

/** Lists an event in the registry of queues (`cu:queues`), as the origin does; the test's dropEvent removes it. */
export async function register(eventId: string) {
  await redis.sadd(globalKeys.queues, eventId);
}

export async function setStatus(eventId: string, status: string) {
  await redis.hset(eventKeys(eventId).queueState, "status", status);
}

/** Admits the next `count` fans, as the scheduler will. */
export async function admitHead(eventId: string, count: number, opts: { graceMs?: number; claimWindowMs?: number } = {}): Promise<number> {
  const k = eventKeys(eventId);
  const now = Date.now();
  return (await redis.eval(
    admitHeadSource,
    5,
    k.queue,
    k.seen,
    k.admitted,
    k.serving,
    k.gone,
    count,
    now,
    opts.graceMs ?? 30_000,
    now + (opts.claimWindowMs ?? 120_000),
  )) as number;
}

/** The tables where the origin keeps a waiting room durable (a restore reads them). */
const DURABLE_ROOM_TABLES = ["waiting_rooms", "queue_checkpoints", "admissions", "ended_sessions"];

/**
 * Drops an event's waiting room everywhere: its Redis keys, and the rows the origin keeps in
 * MySQL for it (else a scheduler on any Redis would find the room missing and restore it).
 */
export async function dropEvent(eventId: string) {
  const keys = await redis.keys(`cu:{${eventId}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.srem(globalKeys.queues, eventId);
  const db = await createConnection({ uri: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test" });
  try {
    for (const table of DURABLE_ROOM_TABLES) await db.query(`DELETE FROM ${table} WHERE event_id = ?`, [eventId]);
  } catch (error) {
    // a database without the tables yet (its migrations never ran) has nothing to drop
    if ((error as { code?: string }).code !== "ER_NO_SUCH_TABLE") throw error;
  } finally {
    await db.end();
  }
}
