import { Elysia, t } from "elysia";
import { orderView } from "../orders/model.ts";
import { seatIdSchema } from "../shared/model.ts";

export const purchaseModels = new Elysia({ name: "models.purchases" }).model({
  "purchase.order": t.Object(
    {
      ...orderView.properties,
      releasedSeatIds: t.Array(seatIdSchema, {
        description:
          "seats of your other holds that this purchase released: buying ends your turn, so nothing else stays held for you " +
          "(empty when there were none, or when the order was recovered from the database after its first answer was lost)",
      }),
    },
    { description: "The order bought, and the seats of your other holds it released." },
  ),
  "purchase.headers": t.Object({
    "idempotency-key": t.String({
      minLength: 1,
      maxLength: 128,
      pattern: "^[A-Za-z0-9._:-]+$",
      description: "client-chosen key; a replay returns the first outcome",
    }),
  }, { additionalProperties: true }),
  "purchase.body": t.Optional(
    t.Object(
      {
        paymentMethod: t.Optional(
          t.String({
            minLength: 1,
            maxLength: 128,
            pattern: "^[A-Za-z0-9._:-]+$",
            description:
              "the payment method the fan chose at checkout, as the payment provider's client handed it over. " +
              "The simulated provider understands sim_approve, sim_decline and sim_timeout; without one it answers as configured (PAYMENT_SIMULATION)",
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ),
});
