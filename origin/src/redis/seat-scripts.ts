/**
 * Typed calls of the seat scripts (lua/registry.ts): each names its ARGV; the keys come
 * from the registry, the script's fixed keys first, then one seat key per seat.
 */
import type Redis from "ioredis";
import type { EventKeys } from "../../../common/keys.ts";
import { redisScripts } from "../../../lua/registry.ts";
import { runScript } from "./scripts.ts";

export function holdSeats(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; customerId: string; now: number; seatIds: string[] }) {
  return runScript(redis, redisScripts.holdSeats, { k, ids: a, more: a.seatIds.map(k.seat) }, [a.sessionId, a.holdId, a.now, a.customerId, ...a.seatIds]);
}

/** `groups`: candidate groups of `quantity` seats each, best first; the first one wholly free is held. */
export function holdBestSeats(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; customerId: string; now: number; quantity: number; groups: ReadonlyArray<readonly string[]> }) {
  const seatIds = a.groups.flat();
  return runScript(redis, redisScripts.holdBestSeats, { k, ids: a, more: seatIds.map(k.seat) }, [a.sessionId, a.holdId, a.now, a.customerId, a.quantity, ...seatIds]);
}

/** `oldSeatIds`: the hold's seats as its record had them when read (the script checks they did not change since). */
export function swapSeats(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; customerId: string; now: number; oldSeatIds: string[]; seatIds: string[] }) {
  return runScript(redis, redisScripts.swapSeats, { k, ids: a, more: [...a.oldSeatIds, ...a.seatIds].map(k.seat) }, [a.sessionId, a.holdId, a.now, a.oldSeatIds.join(","), a.oldSeatIds.length, ...a.oldSeatIds, ...a.seatIds]);
}

/** `now` requires a live session; compensation passes none (it must release whatever the session's state). */
export function releaseHold(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; customerId: string; seatIds: string[]; purchaseId?: string; now?: number }) {
  return runScript(redis, redisScripts.releaseHold, { k, ids: a, more: a.seatIds.map(k.seat) }, [a.holdId, a.sessionId, a.purchaseId ?? "", a.now ?? 0, ...a.seatIds]);
}

export function beginPurchase(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; customerId: string; now: number; windowMs: number; purchaseId: string; seatIds: string[] }) {
  return runScript(redis, redisScripts.beginPurchase, { k, ids: a, more: a.seatIds.map(k.seat) }, [a.holdId, a.sessionId, a.now, a.windowMs, a.purchaseId, ...a.seatIds]);
}

/** `idempotencyKey` (the record's Redis key) gets `record` for `recordMs`. */
export function completePurchase(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; customerId: string; seatIds: string[]; idempotencyKey: string; record: string; recordMs: number }) {
  return runScript(redis, redisScripts.completePurchase, { k, ids: a, more: a.seatIds.map(k.seat) }, [a.holdId, a.sessionId, a.record, a.recordMs, ...a.seatIds]);
}

/** One extension of a live hold from the event's budget; `defaultSeconds` / `defaultBudgetMinutes` where the organiser set none. */
export function extendHold(redis: Redis, k: EventKeys, a: { sessionId: string; holdId: string; customerId: string; now: number; seatIds: string[]; defaultSeconds: number; defaultBudgetMinutes: number }) {
  return runScript(redis, redisScripts.extendHold, { k, ids: a, more: a.seatIds.map(k.seat) }, [a.holdId, a.sessionId, a.now, a.defaultSeconds, a.defaultBudgetMinutes, ...a.seatIds]);
}

/** Claims `idempotencyKey` (the record's Redis key) with `pending` unless it is taken, and reads the hold, in one call. */
export function claimPurchase(redis: Redis, k: EventKeys, a: { holdId: string; idempotencyKey: string; pending: string; recordMs: number }) {
  return runScript(redis, redisScripts.claimPurchase, { k, ids: a }, [a.pending, a.recordMs]);
}
