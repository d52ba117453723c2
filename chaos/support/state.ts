/**
 * A snapshot of everything one event owns in Redis and MySQL, so an attack test can prove
 * that a refused request changed nothing.
 */
import type Redis from "ioredis";
import type { Harness } from "../../origin/test/support/harness.ts";
import { eventRedisKeys } from "../../test/kit/obliterate.ts";

/**
 * What the scheduling leader writes on its own ticks, whatever requests come: its lease, the
 * dashboard's samples, and the queue-state fields it publishes (rates, the honest line's
 * estimate, the run it vouched for). Telemetry, not state a fan could change.
 */
const LEADER_KEYS = [":dash", ":sched:lease", ":sched:epoch"];
const LEADER_FIELDS = ["admitRate", "ceilingRate", "targetRate", "rateSource", "honest", "honestStop", "vouchedRun"];

async function redisDump(redis: Redis, eventId: string): Promise<Record<string, unknown>> {
  const keys = (await eventRedisKeys(redis, eventId)).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    // request latencies (the purchase and its database transaction) are telemetry, not state a fan could change
    if (key.includes(":lat:") || LEADER_KEYS.some((k) => key.endsWith(k))) continue;
    const type = await redis.type(key);
    if (type === "string") out[key] = await redis.get(key);
    else if (type === "hash") {
      const hash = await redis.hgetall(key);
      if (key.endsWith(":queue:state")) for (const f of LEADER_FIELDS) delete hash[f];
      out[key] = hash;
    }
    else if (type === "set") out[key] = (await redis.smembers(key)).sort();
    else if (type === "zset") out[key] = await redis.zrange(key, 0, -1, "WITHSCORES");
    else if (type === "list") out[key] = await redis.lrange(key, 0, -1);
    else out[key] = type;
  }
  return out;
}

async function mysqlDump(h: Harness, eventId: string) {
  const q = async (sql: string) => ((await h.database.pool.query(sql, [eventId])) as unknown as [unknown[]])[0];
  return {
    orders: await q("SELECT id, status, session_id, amount_cents FROM orders WHERE event_id = ? ORDER BY id"),
    reservations: await q("SELECT seat_id, order_id FROM reservations WHERE event_id = ? ORDER BY seat_id"),
    history: await q("SELECT COUNT(*) AS n FROM reservation_history WHERE event_id = ?"),
  };
}

export async function snapshot(h: Harness, eventIds: string[] = [h.eventId]) {
  const out: Record<string, unknown> = {};
  for (const id of eventIds) out[id] = { redis: await redisDump(h.redis, id), mysql: await mysqlDump(h, id), charges: h.payments.captured().length };
  return out;
}
