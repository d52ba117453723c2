import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { eventModels } from "../events/model.ts";
import { orderModels } from "../orders/model.ts";
import { adminRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { adminModels } from "./model.ts";
import { cancelOrder, createEvent, eventStats, setEventLimits } from "./service.ts";

export const adminController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admin"] })
    .use(sharedModels)
    .use(eventModels)
    .use(orderModels)
    .use(adminModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes())
    .post(
      "/events",
      async ({ body, set }) => {
        const event = await createEvent(deps, body);
        set.status = 201;
        return event;
      },
      {
        body: "admin.eventCreate",
        response: { 201: "event.view", ...errorResponses(409) },
        detail: { summary: "Create an event with its seat layout (sections of rows x seats)", description: "Writes the event and every seat to MySQL and its sale settings to Redis. 409 EVENT_EXISTS when the id is taken." },
      },
    )
    .patch("/events/:eventId/limits", ({ params, body }) => setEventLimits(deps, params.eventId, body), {
      params: "event.params",
      body: "admin.limits",
      response: { 200: "event.view", ...errorResponses(404) },
      detail: {
        summary: "Set the event's limit of tickets per customer, over all their orders and sessions",
        description: "Held plus bought seats of one customer never pass it: the hold refuses past it (409 CUSTOMER_LIMIT) and the purchase's transaction refuses it too. The customer is the identity the fan proved before their place (an email or a passkey), else the session. `null` lifts the limit. Written to MySQL, then Redis; 404 EVENT_NOT_FOUND.",
      },
    })
    .get("/events/:eventId/stats", ({ params }) => eventStats(deps, params.eventId), {
      params: "event.params",
      response: { 200: "admin.stats", ...errorResponses(404) },
      detail: { summary: "Seats available / held / sold, orders and active sessions", description: "Counts read from Redis (seats, sessions) and MySQL (orders, revenue) at the moment of the request." },
    })
    .post("/orders/:orderId/cancel", ({ params }) => cancelOrder(deps, params.orderId), {
      params: "order.params",
      response: { 200: "order.view", ...errorResponses(404, 409) },
      detail: { summary: "Refund an order; its seats can be sold again", description: "Refunds the payment, marks the order refunded and moves its reservations to the history table in one transaction; the seats leave the sold set. 409 ORDER_NOT_PAID when it was already refunded." },
    });
