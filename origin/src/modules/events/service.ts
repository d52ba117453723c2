import type { Static } from "elysia";
import type { Deps } from "../../deps.ts";
import { SessionInactiveError } from "../../errors.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import type { CatalogEvent } from "./catalog.ts";
import type { eventView, seatMapView } from "./model.ts";

export const CURRENCY = "EUR";

export function isLive(score: string | null | undefined, now: number): boolean {
  return score !== null && score !== undefined && Number(score) > now;
}

export function toEventView({ event, seats, tiers }: CatalogEvent): Static<typeof eventView> {
  return {
    id: event.id,
    name: event.name,
    venue: event.venue,
    startsAt: event.startsAt.toISOString(),
    saleOpensAt: event.saleOpensAt.toISOString(),
    status: event.status,
    perOrderLimit: event.perOrderLimit,
    holdSeconds: event.holdSeconds,
    seatCount: seats.length,
    currency: CURRENCY,
    tiers,
  };
}

export async function getEvent(deps: Deps, session: ActiveSession, eventId: string) {
  const entry = await deps.catalog.get(eventId);
  if (!isLive(await deps.redis.zscore(entry.keys.active, session.sid), deps.clock.now())) throw new SessionInactiveError();
  return toEventView(entry);
}

/**
 * Status of every seat in one round trip: the session check, the sold set and every seat
 * key (MGET) travel in one pipeline. All keys share the event's hash slot.
 */
export async function readSeatStates(deps: Pick<Deps, "redis">, entry: CatalogEvent, sessionId?: string) {
  const pipeline = deps.redis.pipeline();
  if (sessionId !== undefined) pipeline.zscore(entry.keys.active, sessionId);
  pipeline.smembers(entry.keys.sold);
  if (entry.seatKeys.length > 0) pipeline.mget(...entry.seatKeys);
  const results = (await pipeline.exec()) ?? [];
  for (const [error] of results) if (error) throw error;
  const values = results.map(([, value]) => value);
  const score = sessionId !== undefined ? (values.shift() as string | null) : undefined;
  const sold = new Set(values.shift() as string[]);
  const holds = (values.shift() as Array<string | null> | undefined) ?? [];
  const states = entry.seats.map((seat, i) =>
    sold.has(seat.seatId) ? ("sold" as const) : holds[i] ? ("held" as const) : ("available" as const),
  );
  return { score, states };
}

export async function getSeatMap(deps: Deps, session: ActiveSession, eventId: string): Promise<Static<typeof seatMapView>> {
  const entry = await deps.catalog.get(eventId);
  const { score, states } = await readSeatStates(deps, entry, session.sid);
  if (!isLive(score, deps.clock.now())) throw new SessionInactiveError();
  const counts = { available: 0, held: 0, sold: 0 };
  const seats = entry.seats.map((seat, i) => {
    const status = states[i]!;
    counts[status] += 1;
    return { id: seat.seatId, section: seat.section, row: seat.row, number: seat.number, tier: seat.tier, priceCents: seat.priceCents, status };
  });
  return { eventId, counts, seats };
}
