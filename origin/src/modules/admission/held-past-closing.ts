/**
 * Seats that cannot come back before the sale closes, for the sold-out rule. With a closing
 * time (the organiser's `closesAt`), an unsold seat is gone when its seat key (`SET PX`, the
 * hold's expiry) expires after the closing time or never, or when its hold is being bought
 * (`purchase` on the hold: beginPurchase extended it to the payment window). A seat whose hold
 * can still expire before the closing time may come back, and is not gone. Seats that come
 * back anyway (a hold released by hand, a failed payment) are offered to the waiting list.
 */
import type Redis from "ioredis";
import type { CatalogEvent } from "../events/catalog.ts";

/** Seat keys per pipeline chunk, so one read does not hold Redis in a long reply. */
const CHUNK = 5_000;

/** How many of the event's seats are sold, or held with no chance of release before `closesAt` (ms). */
export async function seatsGoneForGood(redis: Redis, entry: CatalogEvent, closesAt: number): Promise<number> {
  const sold = new Set(await redis.smembers(entry.keys.sold));
  const unsold = entry.seatKeys.filter((_, i) => !sold.has(entry.seats[i]!.seatId));
  let gone = sold.size;
  /** hold id -> its seats that expire in time, unless the hold is being bought */
  const inTime = new Map<string, number>();
  for (let i = 0; i < unsold.length; i += CHUNK) {
    const keys = unsold.slice(i, i + CHUNK);
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.get(key).pexpiretime(key);
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    for (let j = 0; j < keys.length; j++) {
      const holdId = replies[2 * j]![1] as string | null;
      const expiresAt = Number(replies[2 * j + 1]![1]);
      if (holdId === null || expiresAt === -2) continue; // free
      if (expiresAt === -1 || expiresAt > closesAt) gone++;
      else inTime.set(holdId, (inTime.get(holdId) ?? 0) + 1);
    }
  }
  if (inTime.size > 0) {
    const ids = [...inTime.keys()];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hexists(entry.keys.hold(id), "purchase");
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, buying], i) => {
      if (error) throw error;
      if (buying === 1) gone += inTime.get(ids[i]!)!;
    });
  }
  return gone;
}
