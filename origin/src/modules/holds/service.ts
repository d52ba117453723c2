import type { Deps } from "../../deps.ts";
import { HoldNotFoundError, InvalidRequestError, NotHoldOwnerError, SaleNotOpenError, UnknownSeatError } from "../../errors.ts";
import { randomId } from "../../lib/ids.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { EventNotConfiguredError, expectOk } from "../../redis/script-errors.ts";
import * as scripts from "../../redis/seat-scripts.ts";
import type { CatalogEvent } from "../events/catalog.ts";
import { CURRENCY } from "../events/service.ts";
import { syncEvent } from "../events/sync.ts";

export function priceOf(entry: CatalogEvent, seatIds: readonly string[]): number {
  return seatIds.reduce((sum, id) => sum + (entry.seatById.get(id)?.priceCents ?? 0), 0);
}

/** Holds all the seats or none, for the hold's configured time. */
export async function holdSeats(deps: Deps, session: ActiveSession, eventId: string, seatIds: string[]) {
  const entry = await deps.catalog.get(eventId);
  if (entry.event.status !== "on_sale") throw new SaleNotOpenError();
  if (new Set(seatIds).size !== seatIds.length) throw new InvalidRequestError("seatIds names a seat twice.");
  for (const id of seatIds) if (!entry.seatById.has(id)) throw new UnknownSeatError(id);

  const holdId = randomId("hold");
  const attempt = async () =>
    expectOk(await scripts.holdSeats(deps.redis, entry.keys, { sessionId: session.sid, holdId, now: deps.clock.now(), seatIds }), seatIds);
  let expiresAt: number;
  try {
    expiresAt = await attempt();
  } catch (error) {
    if (!(error instanceof EventNotConfiguredError)) throw error;
    // Redis lost the event's settings (flush, new instance): restore them from MySQL once.
    await syncEvent(deps.redis, deps.database.db, entry.event);
    expiresAt = await attempt();
  }
  return {
    holdId,
    eventId,
    seatIds,
    expiresAt: new Date(expiresAt).toISOString(),
    amountCents: priceOf(entry, seatIds),
    currency: CURRENCY,
  };
}

/** The hold's owner and seats, read from its record; throws when it is gone or not the caller's. */
export async function readHold(deps: Pick<Deps, "redis">, entry: CatalogEvent, session: ActiveSession, holdId: string) {
  const [sid, seats] = await deps.redis.hmget(entry.keys.hold(holdId), "sid", "seats");
  if (!sid || !seats) throw new HoldNotFoundError();
  if (sid !== session.sid) throw new NotHoldOwnerError();
  return seats.split(",");
}

export async function releaseHold(deps: Deps, session: ActiveSession, eventId: string, holdId: string) {
  const entry = await deps.catalog.get(eventId);
  const seatIds = await readHold(deps, entry, session, holdId);
  expectOk(await scripts.releaseHold(deps.redis, entry.keys, { sessionId: session.sid, holdId, seatIds, now: deps.clock.now() }));
  return { holdId, released: true as const };
}
