/**
 * Event settings and seat layouts, loaded from MySQL once per process. A layout never
 * changes after the event is created, so it is safe to keep; the hot path checks seat ids
 * and prices here instead of asking MySQL.
 */
import { asc, eq } from "drizzle-orm";
import { eventKeys, type EventKeys } from "../../../../common/keys.ts";
import type { Db } from "../../db/client.ts";
import { events, seats, type EventRow, type SeatRow } from "../../db/schema/index.ts";
import { EventNotFoundError } from "../../errors.ts";

export interface CatalogEvent {
  event: EventRow;
  keys: EventKeys;
  seats: SeatRow[];
  seatById: Map<string, SeatRow>;
  /** `keys.seat(id)` for every seat, in layout order */
  seatKeys: string[];
  tiers: Array<{ tier: string; priceCents: number; seats: number }>;
}

export function catalogEntry(event: EventRow, layout: SeatRow[]): CatalogEvent {
  const keys = eventKeys(event.id);
  const tiers = new Map<string, { tier: string; priceCents: number; seats: number }>();
  for (const seat of layout) {
    const tier = tiers.get(seat.tier) ?? { tier: seat.tier, priceCents: seat.priceCents, seats: 0 };
    tier.seats += 1;
    tier.priceCents = Math.min(tier.priceCents, seat.priceCents);
    tiers.set(seat.tier, tier);
  }
  return {
    event,
    keys,
    seats: layout,
    seatById: new Map(layout.map((s) => [s.seatId, s])),
    seatKeys: layout.map((s) => keys.seat(s.seatId)),
    tiers: [...tiers.values()],
  };
}

export class EventCatalog {
  private readonly entries = new Map<string, Promise<CatalogEvent | null>>();

  constructor(private readonly db: Db) {}

  /** The event, or null when it does not exist (not remembered, so a later create is seen). */
  find(eventId: string): Promise<CatalogEvent | null> {
    let entry = this.entries.get(eventId);
    if (!entry) {
      entry = this.load(eventId);
      this.entries.set(eventId, entry);
      entry.then(
        (found) => found ?? this.entries.delete(eventId),
        () => this.entries.delete(eventId),
      );
    }
    return entry;
  }

  async get(eventId: string): Promise<CatalogEvent> {
    const entry = await this.find(eventId);
    if (!entry) throw new EventNotFoundError(eventId);
    return entry;
  }

  forget(eventId: string): void {
    this.entries.delete(eventId);
  }

  private async load(eventId: string): Promise<CatalogEvent | null> {
    const [event] = await this.db.select().from(events).where(eq(events.id, eventId)).limit(1);
    if (!event) return null;
    const layout = await this.db
      .select()
      .from(seats)
      .where(eq(seats.eventId, eventId))
      .orderBy(asc(seats.section), asc(seats.row), asc(seats.number));
    return catalogEntry(event, layout);
  }
}

const layouts = new WeakMap<CatalogEvent, { tiers: Array<{ tier: string; seats: number; lowestPriceCents: number }>; tierOf(seatId: string): string | undefined }>();

/** The event's tiers as the admission scheduler's seat budgets read them (admission/seat-budget.ts). */
export function tierLayout(entry: CatalogEvent) {
  let layout = layouts.get(entry);
  if (!layout) {
    layout = { tiers: entry.tiers.map((t) => ({ tier: t.tier, seats: t.seats, lowestPriceCents: t.priceCents })), tierOf: (seatId: string) => entry.seatById.get(seatId)?.tier };
    layouts.set(entry, layout);
  }
  return layout;
}
