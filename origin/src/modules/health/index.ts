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
      detail: { summary: "The process is up", description: "Liveness: answers 200 while the process runs, touching neither Redis nor MySQL." },
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
        detail: {
          summary: "Redis and MySQL answer, and every line on sale is in Redis",
          description: "Readiness: 200 when both stores answer, 503 (with which one failed) when either does not, 503 `degraded` (naming the events) while an event whose waiting room MySQL has on sale has no queue state in Redis, and 503 at once while the process drains on SIGTERM.",
        },
      },
    );
