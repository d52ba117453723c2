import { Elysia, t } from "elysia";
import { eventIdSchema, integer, opaqueIdSchema, seatIdSchema } from "../shared/model.ts";

/** The most seats one request may name; the event's perOrderLimit is usually lower. */
export const MAX_SEATS_PER_HOLD = 20;

export const holdParams = t.Object({ eventId: eventIdSchema, holdId: opaqueIdSchema });

const holdView = t.Object(
  {
    holdId: opaqueIdSchema,
    eventId: eventIdSchema,
    seatIds: t.Array(seatIdSchema),
    expiresAt: t.String({ format: "date-time" }),
    amountCents: integer({ minimum: 0 }),
    currency: t.String(),
    extendBySeconds: integer({
      minimum: 0,
      description: "seconds one extension would add now (POST .../holds/{holdId}/extend, once per hold); 0 when none can be given: extended already, the event gives none, its budget is used up, or the hold would outlast the session",
    }),
  },
  { description: "A hold: the seats are yours until expiresAt." },
);

export const holdModels = new Elysia({ name: "models.holds" }).model({
  "hold.best": t.Object(
    {
      quantity: integer({ minimum: 1, maximum: MAX_SEATS_PER_HOLD, description: "how many seats, held together" }),
      tier: t.Optional(t.String({ minLength: 1, maxLength: 32, description: "only seats of this tier (the event's tiers are in GET /api/events/:eventId)", examples: ["gold"] })),
      maxPriceCents: t.Optional(integer({ minimum: 0, maximum: 100_000_000, description: "only seats priced at most this" })),
    },
    { additionalProperties: false },
  ),
  "hold.bestView": t.Composite([
    holdView,
    t.Object({ adjacent: t.Boolean({ description: "true: the seats are side by side in one row; false: no row had that many free together, so these are the closest set" }) }),
  ], { description: "A hold of the best free seats matching the choice: yours until expiresAt." }),
  "hold.create": t.Object({
    seatIds: t.Array(seatIdSchema, { minItems: 1, maxItems: MAX_SEATS_PER_HOLD, description: "seats to hold together, all or nothing" }),
  }, { additionalProperties: false }),
  "hold.view": holdView,
  "hold.list": t.Object({ holds: t.Array(holdView) }, { description: "Your holds that have not run out, soonest to expire first." }),
  "hold.params": holdParams,
  "hold.extended": t.Object(
    {
      holdId: opaqueIdSchema,
      expiresAt: t.String({ format: "date-time", description: "the hold's new expiry" }),
      extendBySeconds: t.Literal(0, { description: "a hold is extended once: no more" }),
    },
    { description: "The hold runs longer: its seats are yours until the new expiresAt." },
  ),
  "hold.released": t.Object({ holdId: opaqueIdSchema, released: t.Literal(true) }, { description: "The hold is released; its seats are free." }),
});
