import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { eventModels } from "../events/model.ts";
import { orderModels } from "../orders/model.ts";
import { sharedModels } from "../shared/model.ts";
import { adminModels } from "./model.ts";
import { cancelOrder, createEvent, eventStats } from "./service.ts";

const security = [{ adminKey: [] }];

export const adminController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admin"] })
    .use(sharedModels)
    .use(eventModels)
    .use(orderModels)
    .use(adminModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .post(
      "/events",
      async ({ body, set }) => {
        const event = await createEvent(deps, body);
        set.status = 201;
        return event;
      },
      {
        adminKey: true,
        body: "admin.eventCreate",
        response: { 201: "event.view", 400: "error", 401: "error", 409: "error" },
        detail: { summary: "Create an event with its seat layout (sections of rows x seats)", security },
      },
    )
    .get("/events/:eventId/stats", ({ params }) => eventStats(deps, params.eventId), {
      adminKey: true,
      params: "event.params",
      response: { 200: "admin.stats", 400: "error", 401: "error", 404: "error" },
      detail: { summary: "Seats available / held / sold, orders and active sessions", security },
    })
    .post("/orders/:orderId/cancel", ({ params }) => cancelOrder(deps, params.orderId), {
      adminKey: true,
      params: "order.params",
      response: { 200: "order.view", 400: "error", 401: "error", 404: "error", 409: "error" },
      detail: { summary: "Refund an order; its seats can be sold again", security },
    });
