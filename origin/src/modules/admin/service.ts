import type { Static } from "elysia";
import { and, eq, sql } from "drizzle-orm";
import { eventKeys } from "../../../../common/keys.ts";
import type { Deps } from "../../deps.ts";
import { isDuplicateKey } from "../../db/errors.ts";
import { customerTickets, events, orders, reservationHistory, reservations, seats, type EventRow, type SeatRow } from "../../db/schema/index.ts";
import type { Db } from "../../db/client.ts";
import { AppError, EventExistsError, InvalidRequestError } from "../../errors.ts";
import { catalogEntry } from "../events/catalog.ts";
import { toEventView } from "../events/service.ts";
import { publishEventSettings } from "../events/sync.ts";
import { toOrderView } from "../orders/service.ts";
import { MAX_SEATS_PER_EVENT, type eventCreateBody, type eventLimitsBody } from "./model.ts";

export type EventInput = Static<typeof eventCreateBody>;
export type EventLimits = Static<typeof eventLimitsBody>;

/**
 * Sets the event's per-customer ticket limit: MySQL first (the purchase's CHECK reads it
 * there), then the copy the hold script reads in Redis. Seats customers already hold or
 * bought stay theirs; a lower limit only refuses new holds past it.
 */
export async function setEventLimits(deps: Deps, eventId: string, limits: EventLimits) {
  const db = deps.database.db;
  await db.update(events).set({ customerLimit: limits.customerLimit }).where(eq(events.id, eventId));
  const [event] = await db.select().from(events).where(eq(events.id, eventId)).limit(1);
  if (!event) throw new AppError("EVENT_NOT_FOUND");
  await publishEventSettings(deps.redis, event, (await deps.catalog.get(eventId)).tiers);
  deps.catalog.forget(eventId);
  return toEventView(await deps.catalog.get(eventId));
}

export function layoutSeats(eventId: string, sections: EventInput["sections"]): SeatRow[] {
  const names = new Set<string>();
  const layout: SeatRow[] = [];
  for (const s of sections) {
    if (names.has(s.name)) throw new InvalidRequestError(`Section ${s.name} appears twice.`);
    names.add(s.name);
    for (let row = 1; row <= s.rows; row++) {
      for (let number = 1; number <= s.seatsPerRow; number++) {
        layout.push({ eventId, seatId: `${s.name}-${row}-${number}`, section: s.name, row, number, tier: s.tier, priceCents: s.priceCents });
      }
    }
    if (layout.length > MAX_SEATS_PER_EVENT) throw new InvalidRequestError(`An event has at most ${MAX_SEATS_PER_EVENT} seats.`);
  }
  return layout;
}

/** Inserts the event and its layout in one transaction; EventExistsError when the id is taken. */
export async function insertEvent(db: Db, input: EventInput, now: Date): Promise<{ event: EventRow; layout: SeatRow[] }> {
  const layout = layoutSeats(input.id, input.sections);
  const event: EventRow = {
    id: input.id,
    name: input.name,
    venue: input.venue,
    startsAt: new Date(input.startsAt),
    saleOpensAt: input.saleOpensAt ? new Date(input.saleOpensAt) : now,
    status: input.status ?? "on_sale",
    perOrderLimit: input.perOrderLimit,
    customerLimit: input.customerLimit ?? null,
    holdSeconds: input.holdSeconds,
    admissionRate: input.admissionRate ?? 50,
    maxActive: input.maxActive ?? 1000,
    createdAt: now,
  };
  try {
    await db.transaction(async (tx) => {
      await tx.insert(events).values(event);
      for (let i = 0; i < layout.length; i += 1000) await tx.insert(seats).values(layout.slice(i, i + 1000));
    });
  } catch (error) {
    if (isDuplicateKey(error)) throw new EventExistsError(input.id);
    throw error;
  }
  return { event, layout };
}

export async function createEvent(deps: Deps, input: EventInput) {
  const { event, layout } = await insertEvent(deps.database.db, input, new Date(deps.clock.now()));
  const entry = catalogEntry(event, layout);
  await publishEventSettings(deps.redis, event, entry.tiers);
  deps.catalog.forget(event.id);
  return toEventView(entry);
}

export async function eventStats(deps: Deps, eventId: string) {
  const entry = await deps.catalog.get(eventId);
  const [{ counts }, orderRows, activeSessions] = await Promise.all([
    deps.seatStates.read(entry),
    deps.database.db
      .select({ status: orders.status, count: sql<number>`count(*)`, revenue: sql<number>`coalesce(sum(${orders.amountCents}), 0)` })
      .from(orders)
      .where(eq(orders.eventId, eventId))
      .groupBy(orders.status),
    deps.redis.zcount(entry.keys.active, `(${deps.clock.now()}`, "+inf"),
  ]);
  const seatCounts = { total: entry.seats.length, ...counts };
  const paid = orderRows.find((r) => r.status === "paid");
  const refunded = orderRows.find((r) => r.status === "refunded");
  return {
    eventId,
    seats: seatCounts,
    orders: { paid: Number(paid?.count ?? 0), refunded: Number(refunded?.count ?? 0), revenueCents: Number(paid?.revenue ?? 0) },
    activeSessions,
  };
}

/**
 * Refunds an order: its reservations move to reservation_history in one transaction (off
 * the unique index, so the seats can be sold again), then leave the sold set, and the
 * money goes back.
 */
export async function cancelOrder(deps: Deps, orderId: string) {
  const db = deps.database.db;
  const now = new Date(deps.clock.now());
  const result = await db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for("update");
    if (!order) throw new AppError("ORDER_NOT_FOUND", `No order ${JSON.stringify(orderId)}.`);
    if (order.status !== "paid") throw new AppError("ORDER_NOT_PAID");
    const rows = await tx.select().from(reservations).where(eq(reservations.orderId, orderId));
    if (rows.length > 0) {
      await tx.insert(reservationHistory).values(rows.map((r) => ({ ...r, endedAt: now, reason: "refunded" as const })));
      await tx.delete(reservations).where(eq(reservations.orderId, orderId));
    }
    await tx.update(orders).set({ status: "refunded", refundedAt: now }).where(eq(orders.id, orderId));
    // the customer's count goes back by the refunded seats (`cap` cleared: the limit is the purchase's check, never the refund's)
    if (order.customerId && rows.length > 0) {
      await tx
        .update(customerTickets)
        .set({ tickets: sql`GREATEST(${customerTickets.tickets} - ${rows.length}, 0)`, cap: null })
        .where(and(eq(customerTickets.eventId, order.eventId), eq(customerTickets.customerId, order.customerId)));
    }
    return { order: { ...order, status: "refunded" as const, refundedAt: now }, seats: rows.map((r) => ({ seatId: r.seatId, priceCents: r.priceCents })) };
  });
  const keys = eventKeys(result.order.eventId);
  const seatIds = result.seats.map((s) => s.seatId);
  const customerId = result.order.customerId;
  await Promise.all([
    deps.retrier.submit({
      name: `unsell seats of ${orderId}`,
      // one MULTI: the seats leave the customer's count while they are still sold, so no new hold of them can be taken out of it
      run: async () => {
        if (seatIds.length === 0) return;
        const unsell = deps.redis.multi();
        if (customerId) unsell.zrem(keys.customerSeats(customerId), ...seatIds);
        await unsell.srem(keys.sold, ...seatIds).exec();
      },
    }),
    deps.retrier.submit({ name: `refund ${orderId}`, run: () => deps.payments.refund(orderId, "order cancelled") }),
  ]);
  return toOrderView(result.order, result.seats);
}
