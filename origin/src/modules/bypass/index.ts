/**
 * Bypass rules for staff and monitoring: the organiser's routes (list with use counts,
 * create, switch on/off or relabel, remove). The edge reads the enabled rules from Redis.
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { adminRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { bypassModels } from "./model.ts";
import { createRule, deleteRule, listRules, updateRule } from "./service.ts";

export const bypassController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["bypass"] })
    .use(sharedModels)
    .use(bypassModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes(404))
    .get("/events/:eventId/bypass-rules", ({ params }) => listRules(deps, params.eventId), {
      params: "bypass.params",
      response: { 200: "bypass.rules" },
      detail: {
        summary: "The event's bypass rules for staff and monitoring, with how many requests each let through",
        description: "Never a header rule's secret: only its SHA-256 is kept. `uses` is counted by the edge in Redis.",
      },
    })
    .post(
      "/events/:eventId/bypass-rules",
      async ({ params, body, set }) => {
        const created = await createRule(deps, params.eventId, body);
        set.status = 201;
        return created;
      },
      {
        params: "bypass.params",
        body: "bypass.create",
        response: { 201: "bypass.created", ...errorResponses(409) },
        detail: {
          summary: "Create a bypass rule: a path prefix that never queues, a staff secret, or an IP range",
          description:
            "`path`: GET/HEAD under the prefix (strictly under /events/<eventId>/) reach the origin without the line and without any credential; never /api. `header`: a page or join carrying `X-Concert-U-Bypass: <secret>` gets a staff session at once (an active token), outside the line and not counted against maxActive; the secret is answered in clear this once. `ip`: the same for requests from the range. 400 INVALID_REQUEST for a path outside the event or a range that is not one, 409 BYPASS_RULE_EXISTS for the same path, secret or range twice.",
        },
      },
    )
    .patch("/events/:eventId/bypass-rules/:ruleId", ({ params, body }) => updateRule(deps, params.eventId, params.ruleId, body), {
      params: "bypass.ruleParams",
      body: "bypass.update",
      response: { 200: "bypass.rule" },
      detail: { summary: "Switch a bypass rule on or off, or rename it", description: "The edge follows within its cache's few seconds. 404 BYPASS_RULE_NOT_FOUND for an id the event does not have." },
    })
    .delete("/events/:eventId/bypass-rules/:ruleId", ({ params }) => deleteRule(deps, params.eventId, params.ruleId), {
      params: "bypass.ruleParams",
      response: { 200: "bypass.rule" },
      detail: { summary: "Remove a bypass rule (to rotate a secret: create the new one, then remove the old)", description: "Staff sessions it gave run to their end. 404 BYPASS_RULE_NOT_FOUND for an id the event does not have." },
    });
