/** The organiser's page templates: list, upload (sanitised) and remove one per state of the line. */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { adminRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { templateModels } from "./model.ts";
import { listTemplates, putTemplate, removeTemplate } from "./service.ts";

export const templatesController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["templates"] })
    .use(sharedModels)
    .use(templateModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes(404))
    .get("/events/:eventId/page-templates", ({ params }) => listTemplates(deps, params.eventId), {
      params: "templates.params",
      response: { 200: "templates.list" },
      detail: { summary: "The event's own pages for the line's states, as kept (sanitised)", description: "Each with the edge's preview path. A state without one shows the built-in page, in the fan's language." },
    })
    .put("/events/:eventId/page-templates/:kind", ({ params, body }) => putTemplate(deps, params.eventId, params.kind, body), {
      params: "templates.kindParams",
      body: "templates.put",
      response: { 200: "templates.saved" },
      detail: {
        summary: "Upload the event's own page for one state of the line: waiting, prequeue, paused, soldout or closed",
        description:
          "HTML with {{position}}, {{wait}} and {{eventName}}, sanitised before it is kept (`sanitized: true` says something was removed): no script, style, frame, form, event handler or javascript: URL reaches a fan, and the pages' Content-Security-Policy stays strict. The waiting page shows it above the line's figures while the line is in that state (the built-in texts stay, for screen readers and the script); the sale-ended page shows the soldout or closed one instead of its text. Fans see it from their next page load; `previewPath` shows it at once.",
      },
    })
    .delete("/events/:eventId/page-templates/:kind", ({ params }) => removeTemplate(deps, params.eventId, params.kind), {
      params: "templates.kindParams",
      response: { 200: "templates.removed" },
      detail: { summary: "Remove the event's own page for one state: fans see the built-in one again", description: "MySQL's row and the edge's copy in Redis both go. `removed: false` when the event had none for this state." },
    });
