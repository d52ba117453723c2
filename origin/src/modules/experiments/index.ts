/**
 * Scratch route for the race experiments (bench/experiments/): mounted only with
 * RACE_EXPERIMENTS=1, never in production (see service.ts), and behind the admin key.
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { adminRoutes } from "../shared/guards.ts";
import { errorResponses, sharedModels } from "../shared/model.ts";
import { experimentModels } from "./model.ts";
import { buySeat, KeyedMutex, resetSeat, seatOutcome } from "./service.ts";

export { raceExperimentsEnabled } from "./service.ts";

export const experimentsController = (deps: Deps, mutex = new KeyedMutex()) =>
  new Elysia({ prefix: "/experiments/race", tags: ["experiments"] })
    .use(sharedModels)
    .use(experimentModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes())
    .put("/seats/:seatId", ({ params }) => resetSeat(deps.database.pool, params.seatId), {
      params: "race.seat",
      response: { 200: "race.outcome" },
      detail: { summary: "Create or reset a scratch seat (unsold, no sales logged)" },
    })
    .get("/seats/:seatId", ({ params }) => seatOutcome(deps.database.pool, params.seatId), {
      params: "race.seat",
      response: { 200: "race.outcome" },
      detail: { summary: "Who owns the scratch seat, and every buyer told they bought it" },
    })
    .post("/:variant/seats/:seatId/buy", ({ params, body }) => buySeat(deps.database.pool, mutex, params.variant, params.seatId, body.buyer), {
      params: "race.params",
      body: "race.buy",
      response: { 200: "race.sold", ...errorResponses(409) },
      detail: { summary: "Buy the scratch seat with the given concurrency control" },
    });
