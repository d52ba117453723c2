import type { Static } from "elysia";
import type { Deps } from "../../deps.ts";
import { SessionInactiveError } from "../../errors.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import type { CatalogEvent } from "./catalog.ts";
import type { SeatStates } from "./seat-states.ts";
import type { eventView, seatMapView, seatStatusView } from "./model.ts";

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
    customerLimit: event.customerLimit,
    holdSeconds: event.holdSeconds,
    seatCount: seats.length,
    currency: CURRENCY,
    tiers,
  };
}

export async function getEvent(deps: Deps, session: ActiveSession, eventId: string) {
  const entry = await deps.catalog.get(eventId);
  await deps.admission.sessions.whileLive(session, async () => {
    if (!isLive(await deps.redis.zscore(entry.keys.active, session.sid), deps.clock.now())) throw new SessionInactiveError();
  });
  return toEventView(entry);
}

/** The session must still be live; its check runs beside the (shared) seat read. */
async function readForSession(deps: Deps, session: ActiveSession, eventId: string) {
  const entry = await deps.catalog.get(eventId);
  return deps.admission.sessions.whileLive(session, async () => {
    const [score, snapshot] = await Promise.all([deps.redis.zscore(entry.keys.active, session.sid), deps.seatStates.read(entry)]);
    if (!isLive(score, deps.clock.now())) throw new SessionInactiveError();
    return { entry, snapshot };
  });
}

/**
 * Bodies are built and serialized once per read, and the same text goes to every request
 * that shared the read: at 100,000 seats the map is 10 MB, too much to build and validate
 * for each of them.
 */
function sharedJson(cache: WeakMap<SeatStates, string>, snapshot: SeatStates, build: () => unknown): string {
  let json = cache.get(snapshot);
  if (json === undefined) {
    json = JSON.stringify(build());
    cache.set(snapshot, json);
  }
  return json;
}

const seatMaps = new WeakMap<SeatStates, string>();
const seatStatuses = new WeakMap<SeatStates, string>();

/** Every seat with its status, as JSON text (`event.seatMap`). */
export async function getSeatMapJson(deps: Deps, session: ActiveSession, eventId: string): Promise<string> {
  const { entry, snapshot } = await readForSession(deps, session, eventId);
  return sharedJson(seatMaps, snapshot, () => seatMapOf(entry, snapshot));
}

/** Every seat's status as one letter, in seat map order, as JSON text (`event.seatStatus`). */
export async function getSeatStatusJson(deps: Deps, session: ActiveSession, eventId: string): Promise<string> {
  const { entry, snapshot } = await readForSession(deps, session, eventId);
  return sharedJson(seatStatuses, snapshot, () => seatStatusOf(entry, snapshot));
}

export function seatMapOf(entry: CatalogEvent, snapshot: SeatStates): Static<typeof seatMapView> {
  const seats = entry.seats.map((seat, i) => ({ id: seat.seatId, section: seat.section, row: seat.row, number: seat.number, tier: seat.tier, priceCents: seat.priceCents, status: snapshot.states[i]! }));
  return { eventId: entry.event.id, counts: { ...snapshot.counts }, seats };
}

const LETTER = { available: "a", held: "h", sold: "s" } as const;

export function seatStatusOf(entry: CatalogEvent, snapshot: SeatStates): Static<typeof seatStatusView> {
  return { eventId: entry.event.id, counts: { ...snapshot.counts }, states: snapshot.states.map((s) => LETTER[s]).join("") };
}
