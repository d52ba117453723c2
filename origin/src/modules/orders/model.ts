import { Elysia, t } from "elysia";
import { eventIdSchema, integer, opaqueIdSchema, seatIdSchema } from "../shared/model.ts";

export const orderView = t.Object({
  orderId: opaqueIdSchema,
  eventId: eventIdSchema,
  status: t.Union([t.Literal("paid"), t.Literal("refunded")]),
  seats: t.Array(t.Object({ seatId: seatIdSchema, priceCents: integer({ minimum: 0 }) })),
  amountCents: integer({ minimum: 0 }),
  currency: t.String(),
  paymentId: t.String(),
  createdAt: t.String({ format: "date-time" }),
}, { description: "An order and the seats it bought." });

export const orderModels = new Elysia({ name: "models.orders" }).model({
  "order.view": orderView,
  "order.params": t.Object({ orderId: opaqueIdSchema }),
});
