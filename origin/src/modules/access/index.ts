/**
 * Access codes: the organiser's routes (create, list, revoke) and the edge's own (record a
 * redemption before it gives the place, undo one whose place was not given).
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { fromEdgePlugin } from "../../plugins/from-edge.ts";
import { adminRoutes, edgeRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { accessModels } from "./model.ts";
import { createCodes, listCodes, redeemCode, releaseRedemption, revokeCode } from "./service.ts";

const adminAccessController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["access"] })
    .use(sharedModels)
    .use(accessModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes(404))
    .get("/events/:eventId/access-codes", ({ params }) => listCodes(deps, params.eventId), {
      params: "access.params",
      response: { 200: "access.codes" },
      detail: {
        summary: "The event's access codes: uses, places given, tier, window, revoked",
        description: "Never the codes themselves: only their SHA-256 is kept. `used` counts the redemptions MySQL recorded, each before its place was given.",
      },
    })
    .post(
      "/events/:eventId/access-codes",
      async ({ params, body, set }) => {
        const created = await createCodes(deps, params.eventId, body);
        set.status = 201;
        return created;
      },
      {
        params: "access.params",
        body: "access.createCodes",
        response: { 201: "access.created", ...errorResponses(409) },
        detail: {
          summary: "Create access codes: one of your own (`code`) or `count` generated ones, each single-use or N-use (`uses`), optionally for one tier and a window",
          description:
            "A code gives a fan a new place in line when they join with it (the waiting page's code field, or `accessCode` in the JSON join's body); in an invite-only room (PATCH .../queue `inviteOnly`) only such fans get one. The codes are answered in clear this once; MySQL and Redis keep only their SHA-256. 409 ACCESS_CODE_EXISTS when the event has the code already.",
        },
      },
    )
    .delete("/events/:eventId/access-codes/:codeId", ({ params }) => revokeCode(deps, params.eventId, params.codeId), {
      params: "access.codeParams",
      response: { 200: "access.code" },
      detail: { summary: "Revoke an access code: it gives no more places (places it gave are kept)", description: "404 ACCESS_CODE_NOT_FOUND for an id the event does not have." },
    });

const edgeAccessController = (deps: Deps) =>
  new Elysia({ prefix: "/edge", tags: ["access"] })
    .use(sharedModels)
    .use(accessModels)
    .use(fromEdgePlugin(deps.config.originAuthSecrets))
    .guard(edgeRoutes(403))
    .post(
      "/events/:eventId/access-codes/redemptions",
      async ({ params, body, set }) => {
        const redeemed = await redeemCode(deps, params.eventId, body);
        set.status = 201;
        return redeemed;
      },
      {
        params: "access.params",
        body: "access.redeem",
        response: { 201: "access.redeemed" },
        detail: {
          summary: "(edge only) Record that an access code gives a ticket its place, before the place is given",
          description: "Under the code's row lock in MySQL: 403 ACCESS_CODE_INVALID (unknown or revoked), ACCESS_CODE_NOT_VALID_NOW (outside its window), ACCESS_CODE_USED_UP. The same ticket asking again gets its first answer.",
        },
      },
    )
    .delete("/events/:eventId/access-codes/redemptions/:ticketId", ({ params }) => releaseRedemption(deps, params.eventId, params.ticketId), {
      params: "access.ticketParams",
      response: { 200: "access.released" },
      detail: { summary: "(edge only) Undo a redemption whose place was not given after all", description: "The join it was for was refused (sale ended, line full, restoring): the use goes back to the code. `released: false` when the ticket had none." },
    });

export const accessController = (deps: Deps) => new Elysia().use(adminAccessController(deps)).use(edgeAccessController(deps));
