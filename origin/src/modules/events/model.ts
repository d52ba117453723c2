import { Elysia, t } from "elysia";
import { eventIdSchema, seatIdSchema } from "../shared/model.ts";

export const seatStatusSchema = t.Union([t.Literal("available"), t.Literal("held"), t.Literal("sold")]);

export const eventView = t.Object({
  id: eventIdSchema,
  name: t.String(),
  venue: t.String(),
  startsAt: t.String({ format: "date-time" }),
  saleOpensAt: t.String({ format: "date-time" }),
  status: t.Union([t.Literal("draft"), t.Literal("on_sale"), t.Literal("closed")]),
  perOrderLimit: t.Integer({ minimum: 1 }),
  holdSeconds: t.Integer({ minimum: 1 }),
  seatCount: t.Integer({ minimum: 0 }),
  currency: t.String({ minLength: 3, maxLength: 3 }),
  tiers: t.Array(t.Object({ tier: t.String(), priceCents: t.Integer({ minimum: 0 }), seats: t.Integer({ minimum: 0 }) })),
}, { description: "An event, its sale settings and price tiers." });

export const seatMapView = t.Object({
  eventId: eventIdSchema,
  counts: t.Object({ available: t.Integer(), held: t.Integer(), sold: t.Integer() }),
  seats: t.Array(
    t.Object({
      id: seatIdSchema,
      section: t.String(),
      row: t.Integer(),
      number: t.Integer(),
      tier: t.String(),
      priceCents: t.Integer(),
      status: seatStatusSchema,
    }),
  ),
}, { description: "Every seat of the event with its status." });

export const seatStatusView = t.Object({
  eventId: eventIdSchema,
  counts: t.Object({ available: t.Integer(), held: t.Integer(), sold: t.Integer() }),
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
