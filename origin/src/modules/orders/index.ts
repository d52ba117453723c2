import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { fanSecurity } from "../../plugins/openapi.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { sharedModels } from "../shared/model.ts";
import { orderModels } from "./model.ts";
import { getOrder } from "./service.ts";

export const ordersController = (deps: Deps) =>
  new Elysia({ prefix: "/api/orders", tags: ["orders"] })
    .use(sharedModels)
    .use(orderModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets))
    .get("/:orderId", ({ params, session }) => getOrder(deps, session, params.orderId), {
      activeToken: true,
      params: "order.params",
      response: { 200: "order.view", 400: "error", 401: "error", 403: "error", 404: "error" },
      detail: { summary: "An order bought with this token's session", description: "404 ORDER_NOT_FOUND when there is no such order or it was bought by another session.", security: fanSecurity },
    });
