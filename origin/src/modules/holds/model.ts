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
  },
  { description: "A hold: the seats are yours until expiresAt." },
);

export const holdModels = new Elysia({ name: "models.holds" }).model({
  "hold.create": t.Object({
    seatIds: t.Array(seatIdSchema, { minItems: 1, maxItems: MAX_SEATS_PER_HOLD, description: "seats to hold together, all or nothing" }),
  }, { additionalProperties: false }),
  "hold.view": holdView,
  "hold.list": t.Object({ holds: t.Array(holdView) }, { description: "Your holds that have not run out, soonest to expire first." }),
  "hold.params": holdParams,
  "hold.released": t.Object({ holdId: opaqueIdSchema, released: t.Literal(true) }, { description: "The hold is released; its seats are free." }),
});
