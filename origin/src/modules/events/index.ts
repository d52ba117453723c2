import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { fanRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { eventModels } from "./model.ts";
import { jsonResponse } from "../../lib/json-response.ts";
import { getEvent, getSeatMapJson, getSeatStatusJson } from "./service.ts";

export const eventsController = (deps: Deps) =>
  new Elysia({ prefix: "/api/events", tags: ["events"] })
    .use(sharedModels)
    .use(eventModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets, deps.rooms))
    .guard({ ...fanRoutes(404), params: "event.params" })
    .get("/:eventId", ({ params, session }) => getEvent(deps, session, params.eventId), {
      response: { 200: "event.view" },
      detail: { summary: "Event details and price tiers", description: "The event, its sale settings (per-order seat limit, hold duration) and the price and seat count of each tier." },
    })
    .get("/:eventId/seats", async ({ params, session }) => jsonResponse(await getSeatMapJson(deps, session, params.eventId)), {
      response: { 200: "event.seatMap" },
      detail: { summary: "Every seat with its status: available, held or sold", description: "The whole seat map. Statuses come from one shared Redis read per event, never older than the request. 403 SESSION_INACTIVE once the session has ended." },
    })
    .get("/:eventId/seats/status", async ({ params, session }) => jsonResponse(await getSeatStatusJson(deps, session, params.eventId)), {
      response: { 200: "event.seatStatus" },
      detail: {
        summary: "Every seat's status as one letter (a, h, s) in seat map order: to refresh a map already loaded", description: "About one byte per seat instead of about a hundred: what the sale page polls after loading the full map once.",
      },
    });
