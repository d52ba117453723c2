import type { Static } from "elysia";
import type { Deps } from "../../deps.ts";
import type { OrderRow } from "../../db/schema/index.ts";
import { AppError } from "../../errors.ts";
import type { ActiveSession } from "../../plugins/active-token.ts";
import type { orderView } from "./model.ts";
import { findOrder, orderSeats } from "./repository.ts";

export type OrderView = Static<typeof orderView>;

export function toOrderView(order: OrderRow, seats: Array<{ seatId: string; priceCents: number }>): OrderView {
  return {
    orderId: order.id,
    eventId: order.eventId,
    status: order.status,
    seats,
    amountCents: order.amountCents,
    currency: order.currency,
    paymentId: order.paymentId,
    createdAt: order.createdAt.toISOString(),
  };
}

/**
 * An order of the token's session. The session need not be live: buying revokes it, and
 * the buyer must still be able to read what they bought.
 */
export async function getOrder(deps: Deps, session: ActiveSession, orderId: string): Promise<OrderView> {
  const order = await findOrder(deps.database.db, orderId);
  // an order of an event the token's room covers is the session's too
  const sameRoom = order !== null && order !== undefined && (order.eventId === session.eventId || (await deps.rooms.roomOf(order.eventId)) === (session.room ?? session.eventId));
  if (!order || order.sessionId !== session.sid || !sameRoom) {
    throw new AppError("ORDER_NOT_FOUND", "No such order for this session.");
  }
  return toOrderView(order, await orderSeats(deps.database.db, order));
}
