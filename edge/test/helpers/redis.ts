/**
 * The edge tests' one Redis connection, bound to the test kit (test/kit/): set up an
 * event's queue, admit fans through the real admission script, inspect keys, clean up.
 */
import Redis from "ioredis";
import { createConnection } from "mysql2/promise";
import { admitNextFans, type AdmitOptions } from "../../../test/kit/admit.ts";
import { obliterateEvent } from "../../../test/kit/obliterate.ts";
import { openWaitingRoom, registerWaitingRoom, setWaitingRoomStatus } from "../../../test/kit/waiting-room.ts";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const redis = new Redis(REDIS_URL);

/**
 * Opens an event's waiting room in Redis as the origin does when a sale goes live, but
 * outside the registry `cu:queues`: a real origin a test runs would schedule it otherwise.
 */
export const openQueue = (eventId: string, fields: Record<string, string | number> = {}) => openWaitingRoom(redis, eventId, fields);

/** Lists an event in the registry of queues (`cu:queues`), as the origin does; the test's dropEvent removes it. */
export const register = (eventId: string) => registerWaitingRoom(redis, eventId);

export const setStatus = (eventId: string, status: string) => setWaitingRoomStatus(redis, eventId, status);

/** Admits the next `count` fans, as the scheduler does. */
export function admitHead(eventId: string, count: number, opts: AdmitOptions = {}): Promise<number> {
  return admitNextFans(redis, eventId, count, opts);
}

/** Drops an event everywhere: its Redis keys and its rows in MySQL (test/kit/obliterate.ts). */
export async function dropEvent(eventId: string) {
  const db = await createConnection({ uri: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test" });
  try {
    await obliterateEvent(redis, db, eventId);
  } finally {
    await db.end();
  }
}
