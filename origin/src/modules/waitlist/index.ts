import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { adminRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { waitlistModels } from "./model.ts";
import { readWaitlist } from "./service.ts";

/** The waiting list after sell-out, for the organiser: its length, the open offers, what became of each entry. */
export const waitlistController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admin"] })
    .use(sharedModels)
    .use(waitlistModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes(404))
    .get("/events/:eventId/waitlist", ({ params }) => readWaitlist(deps, params.eventId), {
      params: "waitlist.params",
      response: { 200: "waitlist.view" },
      detail: {
        summary: "The waiting list after sell-out: entries waiting, open offers, claimed and passed offers, every entry in order",
        description: "Fans join the list at the edge (POST /queue/{eventId}/waitlist) once the sale is sold out or the line has stopped; the scheduling leader offers seats that come back to the entries in order (docs/FEATURES.md, \"The waiting list\").",
      },
    });
