import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { fanSecurity } from "../../plugins/openapi.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { sharedModels } from "../shared/model.ts";
import { eventModels } from "./model.ts";
import { jsonResponse } from "../../lib/json-response.ts";
import { getEvent, getSeatMapJson, getSeatStatusJson } from "./service.ts";

const fanErrors = { 400: "error", 401: "error", 403: "error", 404: "error", 503: "error" } as const;

export const eventsController = (deps: Deps) =>
  new Elysia({ prefix: "/api/events", tags: ["events"] })
    .use(sharedModels)
    .use(eventModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets))
    .get("/:eventId", ({ params, session }) => getEvent(deps, session, params.eventId), {
      activeToken: true,
      params: "event.params",
      response: { 200: "event.view", ...fanErrors },
      detail: { summary: "Event details and price tiers", description: "The event, its sale settings (per-order seat limit, hold duration) and the price and seat count of each tier.", security: fanSecurity },
    })
    .get("/:eventId/seats", async ({ params, session }) => jsonResponse(await getSeatMapJson(deps, session, params.eventId)), {
      activeToken: true,
      params: "event.params",
      response: { 200: "event.seatMap", ...fanErrors },
      detail: { summary: "Every seat with its status: available, held or sold", description: "The whole seat map. Statuses come from one shared Redis read per event, never older than the request. 403 SESSION_INACTIVE once the session has ended.", security: fanSecurity },
    })
    .get("/:eventId/seats/status", async ({ params, session }) => jsonResponse(await getSeatStatusJson(deps, session, params.eventId)), {
      activeToken: true,
      params: "event.params",
      response: { 200: "event.seatStatus", ...fanErrors },
      detail: {
        summary: "Every seat's status as one letter (a, h, s) in seat map order: to refresh a map already loaded", description: "About one byte per seat instead of about a hundred: what the sale page polls after loading the full map once.",
        security: fanSecurity,
      },
    });
