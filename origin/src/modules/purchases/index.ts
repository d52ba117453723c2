import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { holdModels } from "../holds/model.ts";
import { orderModels } from "../orders/model.ts";
import { fanRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { purchaseModels } from "./model.ts";
import { purchase } from "./service.ts";

export const purchasesController = (deps: Deps) =>
  new Elysia({ prefix: "/api/events", tags: ["purchases"] })
    .use(sharedModels)
    .use(holdModels)
    .use(orderModels)
    .use(purchaseModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets, deps.rooms))
    .guard(fanRoutes())
    .post(
      "/:eventId/holds/:holdId/purchase",
      async ({ params, headers, body, session, set }) => {
        const outcome = await purchase(deps, session, params.eventId, params.holdId, headers["idempotency-key"], body?.paymentMethod);
        set.status = outcome.status;
        return outcome.body;
      },
      {
        params: "hold.params",
        headers: "purchase.headers",
        body: "purchase.body",
        response: { 201: "purchase.order", ...errorResponses(402, 404, 409, 410, 422, 502, 504) },
        detail: {
          summary: "Buy the seats of a hold",
          description:
            "Charges the payment, then saves the order. On any failure the hold is released at once and the money given back. " +
            "A purchase ends the session: the session's other holds are released and listed in releasedSeatIds. " +
            "The same Idempotency-Key returns the first outcome; while it runs, a duplicate gets 409 PURCHASE_IN_PROGRESS.",
        },
      },
    );
