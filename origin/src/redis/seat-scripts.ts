/**
 * Typed calls of the seat scripts. Keys come from the key builder only; each script's
 * fixed keys come first, then one seat key per seat.
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../common/keys.ts";
import { seatScripts, type SeatScriptName, type SeatScriptReply } from "../../../lua/index.ts";

type Raw = (numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<[number, number]>;

async function run(redis: Redis, name: SeatScriptName, fixedKeys: string[], seatKeys: string[], args: Array<string | number>): Promise<SeatScriptReply> {
  if (fixedKeys.length !== seatScripts[name].numberOfKeys) throw new Error(`${name} takes ${seatScripts[name].numberOfKeys} fixed keys`);
  const command = (redis as unknown as Record<SeatScriptName, Raw>)[name].bind(redis);
  const [code, detail] = await command(fixedKeys.length + seatKeys.length, ...fixedKeys, ...seatKeys, ...args);
  return [code as SeatScriptReply[0], Number(detail)];
}

export function holdSeats(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; now: number; seatIds: string[] }) {
  return run(redis, "holdSeats", [k.active, k.config, k.sold, k.sessionSeats(a.sessionId), k.hold(a.holdId)], a.seatIds.map(k.seat), [a.sessionId, a.holdId, a.now, ...a.seatIds]);
}

/** `now` requires a live session; compensation passes none (it must release whatever the session's state). */
export function releaseHold(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; seatIds: string[]; purchaseId?: string; now?: number }) {
  return run(redis, "releaseHold", [k.hold(a.holdId), k.sessionSeats(a.sessionId), k.active], a.seatIds.map(k.seat), [a.holdId, a.sessionId, a.purchaseId ?? "", a.now ?? 0, ...a.seatIds]);
}

export function beginPurchase(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; now: number; windowMs: number; purchaseId: string; seatIds: string[] }) {
  return run(redis, "beginPurchase", [k.active, k.hold(a.holdId), k.sessionSeats(a.sessionId)], a.seatIds.map(k.seat), [a.holdId, a.sessionId, a.now, a.windowMs, a.purchaseId, ...a.seatIds]);
}

/** `idempotencyKey` (the record's Redis key) gets `record` for `recordMs`. */
export function completePurchase(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; seatIds: string[]; idempotencyKey: string; record: string; recordMs: number }) {
  return run(
    redis,
    "completePurchase",
    [k.sold, k.hold(a.holdId), k.sessionSeats(a.sessionId), k.active, a.idempotencyKey],
    a.seatIds.map(k.seat),
    [a.holdId, a.sessionId, a.record, a.recordMs, ...a.seatIds],
  );
}

export interface PurchaseClaim {
  /** the record already under the key; null when this call claimed it */
  previous: string | null;
  hold: { sid: string | null; seats: string | null; expiresAt: string | null };
}

/** Claims `idempotencyKey` (the record's Redis key) with `pending` unless it is taken, and reads the hold, in one call. */
export async function claimPurchase(redis: Redis, k: EventKeys, a: { holdId: string; idempotencyKey: string; pending: string; recordMs: number }): Promise<PurchaseClaim> {
  const command = (redis as unknown as Record<"claimPurchase", (numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<Array<string | null>>>).claimPurchase;
  const [previous, sid, seats, expiresAt] = await command.call(redis, seatScripts.claimPurchase.numberOfKeys, a.idempotencyKey, k.hold(a.holdId), a.pending, a.recordMs);
  return { previous: previous ?? null, hold: { sid: sid ?? null, seats: seats ?? null, expiresAt: expiresAt ?? null } };
}
