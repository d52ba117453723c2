import type { Deps } from "../../deps.ts";
import { HoldNotFoundError, InvalidRequestError, NotHoldOwnerError, SaleNotOpenError, SessionInactiveError, TierNotUnlockedError, UnknownSeatError } from "../../errors.ts";
import { randomId } from "../../lib/ids.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { EventNotConfiguredError, expectOk } from "../../redis/script-errors.ts";
import * as scripts from "../../redis/seat-scripts.ts";
import type { CatalogEvent } from "../events/catalog.ts";
import { CURRENCY, isLive } from "../events/service.ts";
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
  // a place given by an access code for one tier holds only that tier's seats
  if (session.tier !== undefined) for (const id of seatIds) if (entry.seatById.get(id)!.tier !== session.tier) throw new TierNotUnlockedError(session.tier, id);

  const holdId = randomId("hold");
  const attempt = () =>
    deps.admission.sessions.whileLive(session, async () => expectOk(await scripts.holdSeats(deps.redis, entry.keys, { sessionId: session.sid, holdId, now: deps.clock.now(), seatIds }), seatIds));
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

/**
 * The caller's holds that have not run out, so a page reloaded (or opened in another tab)
 * finds its seats again. Reads only: the session's seat index, then each hold's record.
 */
export async function listHolds(deps: Deps, session: ActiveSession, eventId: string) {
  return deps.admission.sessions.whileLive(session, () => listLiveHolds(deps, session, eventId));
}

async function listLiveHolds(deps: Deps, session: ActiveSession, eventId: string) {
  const entry = await deps.catalog.get(eventId);
  const now = deps.clock.now();
  const [score, seatIds] = await Promise.all([
    deps.redis.zscore(entry.keys.active, session.sid),
    deps.redis.zrangebyscore(entry.keys.sessionSeats(session.sid), `(${now}`, "+inf"),
  ]);
  // an ended session holds nothing: refused like every fan route, so a second tab learns its turn is over
  if (!isLive(score, now)) throw new SessionInactiveError();
  if (seatIds.length === 0) return { holds: [] };
  const holdIds = [...new Set((await deps.redis.mget(seatIds.map((id) => entry.keys.seat(id)))).filter((id): id is string => id !== null))];
  const pipeline = deps.redis.pipeline();
  for (const holdId of holdIds) pipeline.hmget(entry.keys.hold(holdId), "sid", "seats", "expiresAt");
  const records = (await pipeline.exec()) ?? [];
  const holds = [];
  for (const [i, [error, record]] of records.entries()) {
    if (error) throw error;
    const [sid, seats, expiresAt] = record as [string | null, string | null, string | null];
    if (sid !== session.sid || !seats || Number(expiresAt) <= now) continue;
    const held = seats.split(",");
    holds.push({
      holdId: holdIds[i]!,
      eventId,
      seatIds: held,
      expiresAt: new Date(Number(expiresAt)).toISOString(),
      amountCents: priceOf(entry, held),
      currency: CURRENCY,
    });
  }
  holds.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  return { holds };
}

export async function releaseHold(deps: Deps, session: ActiveSession, eventId: string, holdId: string) {
  return deps.admission.sessions.whileLive(session, () => releaseLiveHold(deps, session, eventId, holdId));
}

async function releaseLiveHold(deps: Deps, session: ActiveSession, eventId: string, holdId: string) {
  const entry = await deps.catalog.get(eventId);
  const [score, seatIds] = await Promise.all([deps.redis.zscore(entry.keys.active, session.sid), readHold(deps, entry, session, holdId).catch((e: unknown) => e)]);
  // an ended session is told so first, whatever became of the hold (buying released it)
  if (!isLive(score, deps.clock.now())) throw new SessionInactiveError();
  if (!Array.isArray(seatIds)) throw seatIds;
  expectOk(await scripts.releaseHold(deps.redis, entry.keys, { sessionId: session.sid, holdId, seatIds, now: deps.clock.now() }));
  return { holdId, released: true as const };
}
