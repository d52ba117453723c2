import { Elysia, t } from "elysia";

export const healthModels = new Elysia({ name: "models.health" }).model({
  "health.status": t.Object({ status: t.Literal("ok") }, { description: "The process is up." }),
  "health.ready": t.Object({
    status: t.Union([t.Literal("ready"), t.Literal("unavailable")]),
    redis: t.Boolean(),
    mysql: t.Boolean(),
  }, { description: "Whether Redis and MySQL answer." }),
});
