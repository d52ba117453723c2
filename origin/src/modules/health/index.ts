import { Elysia } from "elysia";
import type { Deps } from "../../deps.ts";
import { healthModels } from "./model.ts";
import { readiness } from "./service.ts";

/** Liveness and readiness probes; outside the token guard. */
export const healthController = (deps: Deps) =>
  new Elysia({ tags: ["health"] })
    .use(healthModels)
    .get("/health", () => ({ status: "ok" as const }), {
      response: { 200: "health.status" },
      detail: { summary: "The process is up" },
    })
    .get(
      "/ready",
      async ({ set }) => {
        const result = await readiness(deps);
        if (result.status !== "ready") set.status = 503;
        return result;
      },
      {
        response: { 200: "health.ready", 503: "health.ready" },
        detail: { summary: "Redis and MySQL answer" },
      },
    );
