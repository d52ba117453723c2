import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { eventModels } from "../events/model.ts";
import { fanRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { holdModels } from "./model.ts";
import { extendHold } from "./extension.ts";
import { holdBestSeats, holdSeats, listHolds, releaseHold, swapSeats } from "./service.ts";

export const holdsController = (deps: Deps) =>
  new Elysia({ prefix: "/api/events", tags: ["holds"] })
    .use(sharedModels)
    .use(eventModels)
    .use(holdModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets, deps.rooms))
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
    .post(
      "/:eventId/holds/best-available",
      async ({ params, body, session, set }) => {
        const hold = await holdBestSeats(deps, session, params.eventId, body);
        set.status = 201;
        return hold;
      },
      {
        params: "event.params",
        body: "hold.best",
        response: { 201: "hold.bestView", ...errorResponses(400, 409) },
        detail: {
          operationId: "postApiEventsByEventIdHoldsBestAvailable",
          summary: "Hold the best available seats, all or nothing",
          description:
            "Adjacent seats in one row, front rows first, while any row has that many free side by side; else the closest set. " +
            "400 UNKNOWN_TIER; 409 NO_SEATS_AVAILABLE when nothing matching is free, SEAT_LIMIT past the per-order limit, SEATS_CONTENDED when every match was taken while trying.",
        },
      },
    )
    .post("/:eventId/holds/:holdId/extend", ({ params, session }) => extendHold(deps, session, params.eventId, params.holdId), {
      params: "hold.params",
      response: { 200: "hold.extended", ...errorResponses(409, 410) },
      detail: {
        summary: "More time on a hold you own, once (accessible timing, WCAG 2.2.1)",
        description:
          "Takes no body. The hold and its seats stay yours extensionSeconds longer, from the event's budget of extra time. " +
          "409 EXTENSIONS_OFF when the event gives none, ALREADY_EXTENDED the second time, EXTENSION_BUDGET_USED once the budget is used up, SESSION_ENDS_FIRST when the hold would outlast your session, PURCHASE_IN_PROGRESS while it is being bought; " +
          "403 NOT_HOLD_OWNER for another session's hold; 410 HOLD_EXPIRED once it ran out, was released or bought.",
      },
    })
    .put("/:eventId/holds/:holdId/seats", ({ params, body, session }) => swapSeats(deps, session, params.eventId, params.holdId, body.seatIds), {
      params: "hold.params",
      body: "hold.create",
      response: { 200: "hold.view", ...errorResponses(400, 409, 410) },
      detail: {
        summary: "Change the seats of a hold you own, keeping its deadline",
        description:
          "The new seats are held and the old ones released in one atomic step, all or nothing; the hold keeps its id and its expiresAt (the countdown does not start again). Seats named in both stay held. " +
          "409 SEAT_HELD / SEAT_SOLD / SEAT_LIMIT when any new seat cannot be held (the hold is unchanged then), PURCHASE_IN_PROGRESS while it is being bought; 403 NOT_HOLD_OWNER for another session's hold; 410 HOLD_EXPIRED once it ran out, was released or bought.",
      },
    })
    .delete("/:eventId/holds/:holdId", ({ params, session }) => releaseHold(deps, session, params.eventId, params.holdId), {
      params: "hold.params",
      response: { 200: "hold.released", ...errorResponses(409, 410) },
      detail: { summary: "Release a hold you own", description: "The seats are free at once. 403 NOT_HOLD_OWNER for another session's hold, 410 HOLD_EXPIRED once it has run out or was bought." },
    });
