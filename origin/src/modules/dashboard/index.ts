import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { admissionModels } from "../admission/model.ts";
import { adminRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { dashboardModels } from "./model.ts";
import { readDashboard } from "./service.ts";

/** What the organiser dashboard (served by the edge) polls once a second. */
export const dashboardController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admin"] })
    .use(sharedModels)
    .use(admissionModels)
    .use(dashboardModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes(404))
    .get("/events/:eventId/dashboard", ({ params, query }) => readDashboard(deps, params.eventId, query.since), {
      params: "dashboard.params",
      query: "dashboard.query",
      response: { 200: "dashboard.view" },
      detail: {
        summary: "Live sale for the organiser dashboard: the waiting room now and one sample a second over the last 10 minutes",
        description:
          "Samples are taken by the instance scheduling the event, so they exist while its waiting room is scheduled. `since` returns only newer samples (what a page polling every second asks for). 404 QUEUE_NOT_FOUND when the event has no waiting room.",
      },
    });
