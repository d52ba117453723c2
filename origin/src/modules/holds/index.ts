import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { fanSecurity } from "../../plugins/openapi.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { eventModels } from "../events/model.ts";
import { sharedModels } from "../shared/model.ts";
import { holdModels } from "./model.ts";
import { holdSeats, listHolds, releaseHold } from "./service.ts";

export const holdsController = (deps: Deps) =>
  new Elysia({ prefix: "/api/events", tags: ["holds"] })
    .use(sharedModels)
    .use(eventModels)
    .use(holdModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets))
    .get("/:eventId/holds", ({ params, session }) => listHolds(deps, session, params.eventId), {
      activeToken: true,
      params: "event.params",
      response: { 200: "hold.list", 400: "error", 401: "error", 403: "error", 404: "error", 503: "error" },
      detail: { summary: "Your current holds", description: "So a reloaded page finds the seats it held.", security: fanSecurity },
    })
    .post(
      "/:eventId/holds",
      async ({ params, body, session, set }) => {
        const hold = await holdSeats(deps, session, params.eventId, body.seatIds);
        set.status = 201;
        return hold;
      },
      {
        activeToken: true,
        params: "event.params",
        body: "hold.create",
        response: { 201: "hold.view", 400: "error", 401: "error", 403: "error", 404: "error", 409: "error", 503: "error" },
        detail: {
          summary: "Hold seats, all or nothing",
          description: "409 SEAT_HELD / SEAT_SOLD / SEAT_LIMIT when any seat cannot be held; nothing is held then.",
          security: fanSecurity,
        },
      },
    )
    .delete("/:eventId/holds/:holdId", ({ params, session }) => releaseHold(deps, session, params.eventId, params.holdId), {
      activeToken: true,
      params: "hold.params",
      response: { 200: "hold.released", 400: "error", 401: "error", 403: "error", 404: "error", 409: "error", 410: "error", 503: "error" },
      detail: { summary: "Release a hold you own", description: "The seats are free at once. 403 NOT_HOLD_OWNER for another session's hold, 410 HOLD_EXPIRED once it has run out or was bought.", security: fanSecurity },
    });
