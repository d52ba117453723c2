import type { Deps } from "../../deps.ts";
import { SeatScriptCode } from "../../../../lua/codes.ts";
import {
  HoldNotFoundError,
  InvalidRequestError,
  NoSeatsAvailableError,
  NotHoldOwnerError,
  SaleNotOpenError,
  SeatsContendedError,
  SessionInactiveError,
  TierNotUnlockedError,
  UnknownSeatError,
  UnknownTierError,
} from "../../errors.ts";
import { randomId } from "../../lib/ids.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import { EventNotConfiguredError, expectOk } from "../../redis/script-errors.ts";
import * as scripts from "../../redis/seat-scripts.ts";
import type { CatalogEvent } from "../events/catalog.ts";
import { CURRENCY, isLive } from "../events/service.ts";
import { syncEvent } from "../events/sync.ts";
import { rankGroups, rankedGroups, type SeatChoice } from "./best-seats.ts";
import { extendBySeconds } from "./extension.ts";

/** Candidate groups sent with one best-available call: the first is this request's own, the rest are fallbacks if another instance took it. */
const BEST_CANDIDATES = 8;
/** Fresh reads of the seat map one best-available request may take before it gives up (SEATS_CONTENDED). */
const BEST_ATTEMPTS = 8;

/** What a new hold answers: its seats, when it runs out, what it costs and how much more time the fan may ask for. */
function holdView(entry: CatalogEvent, holdId: string, seatIds: string[], expiresAt: number, extendBy: number) {
  return { holdId, eventId: entry.event.id, seatIds, expiresAt: new Date(expiresAt).toISOString(), amountCents: priceOf(entry, seatIds), currency: CURRENCY, extendBySeconds: extendBy };
}

export function priceOf(entry: CatalogEvent, seatIds: readonly string[]): number {
  return seatIds.reduce((sum, id) => sum + (entry.seatById.get(id)?.priceCents ?? 0), 0);
}

/**
 * Runs a seat script for a live session; when Redis lost the event's settings (flush, new
 * instance) they are restored from MySQL once and the script runs again.
 */
async function withSettings<T>(deps: Deps, entry: CatalogEvent, session: ActiveSession, run: () => Promise<T>): Promise<T> {
  const attempt = () => deps.admission.sessions.whileLive(session, run);
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof EventNotConfiguredError)) throw error;
    await syncEvent(deps.redis, deps.database.db, entry.event, entry.tiers);
    return attempt();
  }
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
  const expiresAt = await withSettings(deps, entry, session, async () =>
    expectOk(await scripts.holdSeats(deps.redis, entry.keys, { sessionId: session.sid, holdId, customerId: session.customer, now: deps.clock.now(), seatIds }), seatIds),
  );
  return holdView(entry, holdId, seatIds, expiresAt, await extendBySeconds(deps, entry, session, expiresAt, false));
}

/**
 * Holds the best free seats matching the fan's choice (best-seats.ts says which are best),
 * all or nothing: adjacent seats in one row while any row has that many free side by side,
 * else the closest set. Each attempt reads the seat map afresh (a read shared with the
 * other requests that arrived meanwhile), ranks it, skips the groups this instance's other
 * requests are trying, and lets the holdBestSeats script take the first group still free.
 */
export async function holdBestSeats(deps: Deps, session: ActiveSession, eventId: string, asked: SeatChoice) {
  const entry = await deps.catalog.get(eventId);
  if (entry.event.status !== "on_sale") throw new SaleNotOpenError();
  if (asked.tier !== undefined && !entry.tiers.some((t) => t.tier === asked.tier)) throw new UnknownTierError(asked.tier);
  // a place given by an access code for one tier is offered that tier's seats only
  if (session.tier !== undefined && asked.tier !== undefined && asked.tier !== session.tier) {
    throw new TierNotUnlockedError(session.tier, `of tier ${asked.tier}`);
  }
  const choice: SeatChoice = session.tier !== undefined ? { ...asked, tier: session.tier } : asked;
  const holdId = randomId("hold");
  for (let attempt = 0; attempt < BEST_ATTEMPTS; attempt++) {
    const askedAt = performance.now();
    const ranked = rankedGroups(entry, await deps.seatStates.read(entry), choice);
    const all = ranked.adjacent.length > 0 ? ranked.adjacent : ranked.closest;
    if (all.length === 0) throw new NoSeatsAvailableError(choice.quantity);
    const skip = deps.bestSeats.skipper(eventId, askedAt);
    const groups: string[][] = [];
    for (const group of all) {
      const ids = group.map((s) => s.seatId);
      if (ids.some(skip)) continue;
      groups.push(ids);
      if (groups.length === BEST_CANDIDATES) break;
    }
    // every free group is being tried by this instance's other requests: read again
    if (groups.length === 0) continue;
    const done = deps.bestSeats.beginTrying(eventId, groups[0]!);
    try {
      const held = await withSettings(deps, entry, session, async () => {
        const [code, detail, group] = await scripts.holdBestSeats(deps.redis, entry.keys, { sessionId: session.sid, holdId, customerId: session.customer, now: deps.clock.now(), quantity: choice.quantity, groups });
        return code === SeatScriptCode.NO_GROUP_FREE ? null : { expiresAt: expectOk([code, detail]), seatIds: groups[group - 1]! };
      });
      if (!held) continue;
      const { expiresAt, seatIds } = held;
      deps.bestSeats.held(eventId, seatIds);
      return { ...holdView(entry, holdId, seatIds, expiresAt, await extendBySeconds(deps, entry, session, expiresAt, false)), adjacent: ranked.adjacent.length > 0 };
    } finally {
      done();
    }
  }
  throw new SeatsContendedError();
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
  for (const holdId of holdIds) pipeline.hmget(entry.keys.hold(holdId), "sid", "seats", "expiresAt", "extended");
  const records = (await pipeline.exec()) ?? [];
  const holds = [];
  for (const [i, [error, record]] of records.entries()) {
    if (error) throw error;
    const [sid, seats, expiresAt, extended] = record as [string | null, string | null, string | null, string | null];
    if (sid !== session.sid || !seats || Number(expiresAt) <= now) continue;
    const held = seats.split(",");
    holds.push({
      holdId: holdIds[i]!,
      eventId,
      seatIds: held,
      expiresAt: new Date(Number(expiresAt)).toISOString(),
      amountCents: priceOf(entry, held),
      currency: CURRENCY,
      extendBySeconds: await extendBySeconds(deps, entry, session, Number(expiresAt), extended !== null),
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
  expectOk(await scripts.releaseHold(deps.redis, entry.keys, { sessionId: session.sid, holdId, customerId: session.customer, seatIds, now: deps.clock.now() }));
  return { holdId, released: true as const };
}

/**
 * Changes the seats of a hold the caller owns without resetting its countdown: the new
 * seats are held and the old ones released in one atomic step (swapSeats-6.lua), all or
 * nothing, until the hold's own deadline. Seats the new set keeps stay held throughout.
 */
export async function swapSeats(deps: Deps, session: ActiveSession, eventId: string, holdId: string, seatIds: string[]) {
  const entry = await deps.catalog.get(eventId);
  if (entry.event.status !== "on_sale") throw new SaleNotOpenError();
  if (new Set(seatIds).size !== seatIds.length) throw new InvalidRequestError("seatIds names a seat twice.");
  for (const id of seatIds) if (!entry.seatById.has(id)) throw new UnknownSeatError(id);
  if (session.tier !== undefined) for (const id of seatIds) if (entry.seatById.get(id)!.tier !== session.tier) throw new TierNotUnlockedError(session.tier, id);
  return withSettings(deps, entry, session, async () => {
    const oldSeatIds = await readHold(deps, entry, session, holdId);
    const reply = await scripts.swapSeats(deps.redis, entry.keys, { sessionId: session.sid, holdId, customerId: session.customer, now: deps.clock.now(), oldSeatIds, seatIds });
    const expiresAt = expectOk(reply, seatIds);
    const extended = (await deps.redis.hexists(entry.keys.hold(holdId), "extended")) === 1;
    return holdView(entry, holdId, seatIds, expiresAt, await extendBySeconds(deps, entry, session, expiresAt, extended));
  });
}

/**
 * The best groups of free seats for a choice in a read of the seat map, best first, as
 * best available ranks them (adjacent in one row while any row has that many, else the
 * closest set): the candidates a waiting-list offer holds the first free one of.
 */
export function bestGroups(entry: CatalogEvent, states: { states: readonly string[] }, choice: SeatChoice, max = BEST_CANDIDATES): string[][] {
  const ranked = rankGroups(entry, states, choice);
  const all = ranked.adjacent.length > 0 ? ranked.adjacent : ranked.closest;
  return all.slice(0, max).map((group) => group.map((s) => s.seatId));
}
