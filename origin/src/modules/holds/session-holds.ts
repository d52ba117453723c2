/**
 * Every hold of one session, found through its seat index, and releasing them together.
 * A session ends by leaving or by buying; either way none of its other holds may keep
 * seats from rivals until they expire, and once the session is gone nobody could release
 * them by hand (the release route refuses an ended session).
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../../common/keys.ts";
import * as seatScripts from "../../redis/seat-scripts.ts";

export interface SessionHold {
  holdId: string;
  seatIds: string[];
  /** set while a purchase runs on the hold (its order id): that purchase settles the hold */
  purchase: string | null;
  /** whose per-customer count the hold's seats are in (its record's `cus`; the session itself for a record without one) */
  customerId: string;
}

/** The session's holds that still own a seat, read only: seat index, seat keys, hold records. */
export async function sessionHolds(redis: Redis, k: EventKeys, sessionId: string, except?: string): Promise<SessionHold[]> {
  const seatIds = await redis.zrange(k.sessionSeats(sessionId), 0, -1);
  if (seatIds.length === 0) return [];
  const holdIds = new Set<string>();
  for (const holdId of await redis.mget(...seatIds.map(k.seat))) if (holdId && holdId !== except) holdIds.add(holdId);
  if (holdIds.size === 0) return [];
  const ids = [...holdIds];
  const pipeline = redis.pipeline();
  for (const holdId of ids) pipeline.hmget(k.hold(holdId), "sid", "seats", "purchase", "cus");
  const holds: SessionHold[] = [];
  for (const [i, [error, record]] of ((await pipeline.exec()) ?? []).entries()) {
    if (error) throw error;
    const [sid, seats, purchase, cus] = record as [string | null, string | null, string | null, string | null];
    if (sid !== sessionId || !seats) continue;
    holds.push({ holdId: ids[i]!, seatIds: seats.split(","), purchase, customerId: cus ?? sessionId });
  }
  return holds;
}

/**
 * Releases every hold of the session except `except` and those being bought (their
 * purchase settles them). No live-session check: it runs as the session ends. Returns the
 * seats it freed.
 */
export async function releaseSessionHolds(redis: Redis, k: EventKeys, sessionId: string, except?: string): Promise<{ holds: number; seatIds: string[] }> {
  let holds = 0;
  const seatIds: string[] = [];
  for (const hold of await sessionHolds(redis, k, sessionId, except)) {
    if (hold.purchase) continue;
    const [code, released] = await seatScripts.releaseHold(redis, k, { sessionId, holdId: hold.holdId, customerId: hold.customerId, seatIds: hold.seatIds });
    if (code !== 0) continue;
    holds++;
    if (released > 0) seatIds.push(...hold.seatIds);
  }
  return { holds, seatIds };
}
