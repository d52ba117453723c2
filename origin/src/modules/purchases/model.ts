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
});
