import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { eventModels } from "../events/model.ts";
import { fanRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { holdModels } from "./model.ts";
import { holdSeats, listHolds, releaseHold } from "./service.ts";

export const holdsController = (deps: Deps) =>
  new Elysia({ prefix: "/api/events", tags: ["holds"] })
    .use(sharedModels)
    .use(eventModels)
    .use(holdModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets))
    .guard(fanRoutes(404))
    .get("/:eventId/holds", ({ params, session }) => listHolds(deps, session, params.eventId), {
      params: "event.params",
      response: { 200: "hold.list" },
      detail: { summary: "Your current holds", description: "So a reloaded page finds the seats it held." },
    })
    .post(
      "/:eventId/holds",
      async ({ params, body, session, set }) => {
        const hold = await holdSeats(deps, session, params.eventId, body.seatIds);
        set.status = 201;
        return hold;
      },
      {
        params: "event.params",
        body: "hold.create",
        response: { 201: "hold.view", ...errorResponses(409) },
        detail: {
          summary: "Hold seats, all or nothing",
          description: "409 SEAT_HELD / SEAT_SOLD / SEAT_LIMIT when any seat cannot be held; nothing is held then.",
        },
      },
    )
    .delete("/:eventId/holds/:holdId", ({ params, session }) => releaseHold(deps, session, params.eventId, params.holdId), {
      params: "hold.params",
      response: { 200: "hold.released", ...errorResponses(409, 410) },
      detail: { summary: "Release a hold you own", description: "The seats are free at once. 403 NOT_HOLD_OWNER for another session's hold, 410 HOLD_EXPIRED once it has run out or was bought." },
    });
