import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { fanRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { orderModels } from "./model.ts";
import { getOrder } from "./service.ts";

export const ordersController = (deps: Deps) =>
  new Elysia({ prefix: "/api/orders", tags: ["orders"] })
    .use(sharedModels)
    .use(orderModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets, deps.rooms))
    .guard(fanRoutes(404))
    .get("/:orderId", ({ params, session }) => getOrder(deps, session, params.orderId), {
      params: "order.params",
      response: { 200: "order.view" },
      detail: { summary: "An order bought with this token's session", description: "404 ORDER_NOT_FOUND when there is no such order or it was bought by another session." },
    });
