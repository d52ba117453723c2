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
      detail: {
        summary: "The event's own pages for the line's states, as kept (sanitised)",
        description: "Each with its language (null: the default page) and the edge's preview path. A fan sees the page of their language, else the default one, else the built-in page, in their language.",
      },
    })
    .put("/events/:eventId/page-templates/:kind", ({ params, body }) => putTemplate(deps, params.eventId, params.kind, body), {
      params: "templates.kindParams",
      body: "templates.put",
      response: { 200: "templates.saved" },
      detail: {
        summary: "Upload the event's own page for one state of the line: waiting, prequeue, paused, soldout or closed",
        description:
          "With `lang` (en, ko) the page is for fans reading that language (the fan pages' choice: ?lang=, the cu_lang cookie, Accept-Language); without it, the default page, shown to fans of every language without one of their own. " +
          "HTML with {{position}}, {{wait}} and {{eventName}}, sanitised before it is kept (`sanitized: true` says something was removed): no script, style, frame, form, event handler or javascript: URL reaches a fan, and the pages' Content-Security-Policy stays strict. The waiting page shows it above the line's figures while the line is in that state (the built-in texts stay, for screen readers and the script); the sale-ended page shows the soldout or closed one instead of its text. Fans see it from their next page load; `previewPath` shows it at once.",
      },
    })
    .delete("/events/:eventId/page-templates/:kind", ({ params, query }) => removeTemplate(deps, params.eventId, params.kind, query.lang ?? null), {
      params: "templates.kindParams",
      query: "templates.removeQuery",
      response: { 200: "templates.removed" },
      detail: {
        summary: "Remove the event's own page for one state (?lang=: that language's): fans see the default or the built-in one again",
        description: "MySQL's row and the edge's copy in Redis both go. Without ?lang= the default page goes and each language's own stays. `removed: false` when the event had no such page.",
      },
    });
