import { Elysia, t } from "elysia";

export const healthModels = new Elysia({ name: "models.health" }).model({
  "health.status": t.Object({ status: t.Literal("ok") }, { description: "The process is up." }),
  "health.ready": t.Object({
    status: t.Union([t.Literal("ready"), t.Literal("unavailable"), t.Literal("degraded")], {
      description: "ready: both stores answer and every waiting room on sale has its line in Redis; unavailable: a store does not answer; degraded: Redis lost the line of the events in `restoring` (the scheduler rebuilds it from MySQL)",
    }),
    redis: t.Boolean(),
    mysql: t.Boolean(),
    restoring: t.Optional(t.Array(t.String(), { description: "events whose waiting room MySQL has on sale (prequeue, open, paused) while Redis has no queue state for it" })),
  }, { description: "Whether Redis and MySQL answer, and whether any line is being restored." }),
});
