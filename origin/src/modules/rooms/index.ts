/**
 * One waiting room for several events and paths: the organiser reads and sets what a room
 * covers. The edge and the origins read the compiled routing table from Redis.
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { adminRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { roomModels } from "./model.ts";
import { readCovers, setCovers } from "./service.ts";

export const roomsController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admission"] })
    .use(sharedModels)
    .use(roomModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard({ ...adminRoutes(404), params: "rooms.params" })
    .get("/events/:eventId/queue/covers", ({ params }) => readCovers(deps, params.eventId), {
      response: { 200: "rooms.view" },
      detail: {
        summary: "What the waiting room covers besides its event: other events and path prefixes, and which room decides each",
        description: "404 QUEUE_NOT_FOUND when the event has no waiting room.",
      },
    })
    .put("/events/:eventId/queue/covers", ({ params, body }) => setCovers(deps, params.eventId, body), {
      body: "rooms.covers",
      response: { 200: "rooms.view" },
      detail: {
        summary: "Set what the waiting room covers: other events (a tour's nights in one line) and path prefixes under /events/<id>/",
        description:
          "Replaces the room's covers. A fan who opens a covered event's page without a token joins this room's line, and the active token this room gives is good for every event it covers (pages and /api). " +
          "Where rooms overlap one decides: an event's own waiting room, then the room that covered the event first (ties: the smaller room id); for a path, the longest prefix, then the room that covered it first. " +
          "The edge follows within its cache's few seconds. 400 INVALID_REQUEST, changing nothing, for the room's own event, an unknown event, a value twice or a path that is not canonical under /events/<id>/; 404 QUEUE_NOT_FOUND without a waiting room.",
      },
    });
