import { Elysia, t } from "elysia";
import { eventIdSchema, integer, seatIdSchema } from "../shared/model.ts";

export const seatStatusSchema = t.Union([t.Literal("available"), t.Literal("held"), t.Literal("sold")]);

export const eventView = t.Object({
  id: eventIdSchema,
  name: t.String(),
  venue: t.String(),
  startsAt: t.String({ format: "date-time" }),
  saleOpensAt: t.String({ format: "date-time" }),
  status: t.Union([t.Literal("draft"), t.Literal("on_sale"), t.Literal("closed")]),
  perOrderLimit: integer({ minimum: 1 }),
  customerLimit: t.Union([integer({ minimum: 1 }), t.Null()], { description: "tickets one customer may hold and buy over all their orders and sessions; null: no per-customer limit" }),
  holdSeconds: integer({ minimum: 1 }),
  seatCount: integer({ minimum: 0 }),
  currency: t.String({ minLength: 3, maxLength: 3 }),
  tiers: t.Array(t.Object({ tier: t.String(), priceCents: integer({ minimum: 0 }), seats: integer({ minimum: 0 }) })),
}, { description: "An event, its sale settings and price tiers." });

export const seatMapView = t.Object({
  eventId: eventIdSchema,
  counts: t.Object({ available: integer(), held: integer(), sold: integer() }),
  seats: t.Array(
    t.Object({
      id: seatIdSchema,
      section: t.String(),
      row: integer(),
      number: integer(),
      tier: t.String(),
      priceCents: integer(),
      status: seatStatusSchema,
    }),
  ),
}, { description: "Every seat of the event with its status." });

export const seatStatusView = t.Object({
  eventId: eventIdSchema,
  counts: t.Object({ available: integer(), held: integer(), sold: integer() }),
  states: t.String({
    pattern: "^[ahs]*$",
    description: "One letter per seat, in the order the seat map lists the seats: a = available, h = held, s = sold.",
    examples: ["aahhsa"],
  }),
}, { description: "The status of every seat, compactly: for refreshing a seat map already loaded (about 1 byte per seat instead of about 100)." });

export const eventParams = t.Object({ eventId: eventIdSchema });

export const eventModels = new Elysia({ name: "models.events" }).model({
  "event.params": eventParams,
  "event.view": eventView,
  "event.seatMap": seatMapView,
  "event.seatStatus": seatStatusView,
});
