import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { activeTokenPlugin } from "../../plugins/active-token.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { adminRoutes, fanRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { admissionModels } from "./model.ts";
import { leave, measureAndStore, moveQueue, openQueue, readCapacity, readQueue, updateSettings } from "./service.ts";

/** Admin controls of an event's waiting room. */
const waitingRoomController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admission"] })
    .use(sharedModels)
    .use(admissionModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard({ ...adminRoutes(404, 409), params: "admission.params" })
    .get("/events/:eventId/queue", ({ params }) => readQueue(deps, params.eventId), {
      response: { 200: "admission.queue" },
      detail: { summary: "Live state of the waiting room: status, settings, rates (ceiling, target, measured), line, sessions, leader", description: "404 QUEUE_NOT_FOUND when the event has no waiting room; 503 RESTORING (Retry-After) while Redis lost it and the scheduler rebuilds it from MySQL." },
    })
    .post(
      "/events/:eventId/queue",
      async ({ params, body, set }) => {
        const view = await openQueue(deps, params.eventId, body);
        set.status = 201;
        return view;
      },
      {
        body: "admission.open",
        response: { 201: "admission.queue" },
        detail: {
          summary: "Open the waiting room (a pre-queue until opensAt)",
          description: "The scheduler drives every waiting room opened here; it is kept in MySQL (written first), so a Redis that loses it gets it back from the scheduler. Before opensAt (default: the event's saleOpensAt) fans join a pre-queue and are placed by lot at the opening. 409 QUEUE_EXISTS if there is one.",
        },
      },
    )
    .patch("/events/:eventId/queue", ({ params, body }) => updateSettings(deps, params.eventId, body), {
      body: "admission.settings",
      response: { 200: "admission.queue" },
      detail: { summary: "Set rate, maxActive, session duration, claim window, adaptive mode, maxWaiting, minChance, the challenge before a new place, device binding, standby (queue only when needed), the queueing status code or the extensions of time a fan may ask for (extensionSeconds, extensionBudgetMinutes); takes effect on the next tick", description: "At least one property; the others keep their values. `rate: null` returns to the share of the measured database capacity. Written to MySQL, then Redis." },
    })
    .post("/events/:eventId/queue/pause", ({ params }) => moveQueue(deps, params.eventId, "pause"), {
      response: { 200: "admission.queue" },
      detail: { summary: "Pause admissions: everyone keeps their place, nobody is admitted", description: "Takes no body. 409 QUEUE_STATUS_CONFLICT when the waiting room's status cannot move to paused (it is over); 404 QUEUE_NOT_FOUND without one." },
    })
    .post("/events/:eventId/queue/resume", ({ params }) => moveQueue(deps, params.eventId, "resume"), {
      response: { 200: "admission.queue" },
      detail: { summary: "Resume admissions after a pause, at the rate (no catch-up burst)", description: "Takes no body. 409 QUEUE_STATUS_CONFLICT when the waiting room's status cannot move to open; 404 QUEUE_NOT_FOUND without one." },
    })
    .post("/events/:eventId/queue/close", ({ params, body }) => moveQueue(deps, params.eventId, body?.reason ?? "soldout"), {
      body: "admission.close",
      response: { 200: "admission.queue" },
      detail: { summary: "Close the waiting room (sold out by default): admissions stop, no one new joins, waiting fans are told on their stream's next tick", description: "The body is optional: none closes as sold out; `{\"reason\":\"closed\"}` closes without saying sold out. A body that is not that JSON object is refused with 400 and closes nothing." },
    });

/** The database capacity measurement, and the admission rate it allows. */
const capacityController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admission"] })
    .use(sharedModels)
    .use(admissionModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes())
    .get("/capacity", () => readCapacity(deps), {
      response: { 200: "admission.capacity", ...errorResponses(404) },
      detail: { summary: "The database's measured purchase capacity in this environment, and the admission rate it allows", description: "404 CAPACITY_NOT_MEASURED until a measurement ran (POST /admin/capacity/measure or `bun run bench capacity`)." },
    })
    .post("/capacity/measure", ({ body }) => measureAndStore(deps, body), {
      body: "admission.measure",
      response: { 200: "admission.capacity", ...errorResponses(409) },
      detail: {
        summary: "Measure the database's purchase capacity now, on scratch events (takes up to levels x levelMs), and store it",
        description: "Runs the real purchase inserts at doubling concurrency until throughput stops growing or p95 passes the bound. Stored in Redis (all instances) and in a file.",
      },
    });

/** Admin controls of an event's waiting room and of the capacity measurement. */
export const admissionController = (deps: Deps) => new Elysia().use(waitingRoomController(deps)).use(capacityController(deps));

/** A fan leaving the purchase area ends their session at once (DELETE with the active token). */
export const sessionController = (deps: Deps) =>
  new Elysia({ prefix: "/api/events", tags: ["admission"] })
    .use(sharedModels)
    .use(admissionModels)
    .use(activeTokenPlugin(deps.verifier, deps.config.originAuthSecrets, deps.rooms))
    .guard(fanRoutes())
    .delete("/:eventId/session", ({ params, session }) => leave(deps, session, params.eventId), {
      params: "admission.params",
      response: { 200: "admission.left" },
      detail: {
        summary: "Leave: release your holds and end your session, freeing your place for the next fan",
        description: "Ends the session at once: its holds are released and the active token stops working (recorded in MySQL, so no restore of the line brings it back). 503 RESTORING with Retry-After while the line is being rebuilt after Redis lost it.",
      },
    });
