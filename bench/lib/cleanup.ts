/** Removes a bench event and everything it left: its MySQL rows and every Redis key of its hash slot prefix. */
import type Redis from "ioredis";
import type mysql from "mysql2/promise";
import { eventKeys } from "../../common/keys.ts";

export async function cleanUp(pool: mysql.Pool, redis: Redis, eventId: string): Promise<void> {
  for (const table of ["reservations", "reservation_history", "orders", "seats", "events"]) {
    await pool.query(`DELETE FROM ${table} WHERE ${table === "events" ? "id" : "event_id"} = ?`, [eventId]);
  }
  const prefix = eventKeys(eventId).config.replace(/config$/, "");
  let cursor = "0";
  do {
    const [nextCursor, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}
