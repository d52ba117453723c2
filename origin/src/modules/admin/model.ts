import { Elysia, t } from "elysia";
import { eventIdSchema, integer } from "../shared/model.ts";

export const MAX_SEATS_PER_EVENT = 100_000;

export const sectionSchema = t.Object({
  name: t.String({ pattern: "^[A-Za-z0-9]{1,8}$", description: "section name, the first part of its seat ids", examples: ["A"] }),
  rows: integer({ minimum: 1, maximum: 500 }),
  seatsPerRow: integer({ minimum: 1, maximum: 500 }),
  tier: t.String({ minLength: 1, maxLength: 32, examples: ["gold"] }),
  priceCents: integer({ minimum: 0, maximum: 100_000_000 }),
}, { additionalProperties: false });

const customerLimit = integer({
  minimum: 1,
  maximum: 1000,
  description: "tickets one customer may hold and buy in the event over all their orders and sessions (the customer is the identity proven before the place, else the session); no limit when left out",
});

/** The organiser's ticket limits of an event; `customerLimit: null` lifts the per-customer limit. */
export const eventLimitsBody = t.Object(
  { customerLimit: t.Union([customerLimit, t.Null()], { description: "tickets per customer over all orders and sessions; null: no per-customer limit" }) },
  { additionalProperties: false },
);

export const eventCreateBody = t.Object({
    id: eventIdSchema,
    name: t.String({ minLength: 1, maxLength: 200 }),
    venue: t.String({ minLength: 1, maxLength: 200 }),
    startsAt: t.String({ format: "date-time" }),
    saleOpensAt: t.Optional(t.String({ format: "date-time", description: "defaults to now" })),
    // no schema `default`: Elysia merges defaults into the body with Object.assign, which takes a "__proto__" key as the prototype
    status: t.Optional(t.Union([t.Literal("draft"), t.Literal("on_sale"), t.Literal("closed")], { description: "on_sale when left out" })),
    perOrderLimit: integer({ minimum: 1, maximum: 20 }),
    customerLimit: t.Optional(customerLimit),
    holdSeconds: integer({ minimum: 1, maximum: 3600 }),
    admissionRate: t.Optional(integer({ minimum: 1, maximum: 100_000, description: "fans admitted per second" })),
    maxActive: t.Optional(integer({ minimum: 1, maximum: 1_000_000, description: "fans active at once" })),
    sections: t.Array(sectionSchema, { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false });

export const adminModels = new Elysia({ name: "models.admin" }).model({
  "admin.eventCreate": eventCreateBody,
  "admin.limits": eventLimitsBody,
  "admin.stats": t.Object({
    eventId: eventIdSchema,
    seats: t.Object({ total: integer(), available: integer(), held: integer(), sold: integer() }),
    orders: t.Object({ paid: integer(), refunded: integer(), revenueCents: integer() }),
    activeSessions: integer(),
  }, { description: "Seat, order and session counts of an event." }),
});
