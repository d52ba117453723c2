import { Elysia, t } from "elysia";

export const purchaseModels = new Elysia({ name: "models.purchases" }).model({
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
