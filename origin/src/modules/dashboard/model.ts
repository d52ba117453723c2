import { Elysia, t } from "elysia";
import { eventIdSchema, integer } from "../shared/model.ts";
import { queueView } from "../admission/model.ts";

export const dashboardSample = t.Object(
  {
    t: integer({ description: "when the sample was taken (ms since the epoch)" }),
    status: t.String({ description: "waiting room status then (open, paused, ...)" }),
    waiting: integer({ description: "fans in line" }),
    admittedPerSec: t.Union([t.Number(), t.Null()], { description: "fans admitted per second since the previous sample (null for the first)" }),
    targetRate: t.Number({ description: "admissions per second the scheduler aimed for (the adaptive rate)" }),
    ceilingRate: t.Number({ description: "admissions per second allowed at most" }),
    activeSessions: integer({ description: "live sessions in the purchase area" }),
    unclaimed: integer({ description: "admitted fans who have not claimed yet (they count against maxActive)" }),
    maxActive: integer(),
    heldSeats: t.Union([integer(), t.Null()], { description: "seats held right then (null when the event has no seat layout)" }),
    soldSeats: integer({ description: "seats sold so far" }),
    soldPerSec: t.Union([t.Number(), t.Null()], { description: "seats sold per second since the previous sample" }),
    purchasesPerSec: t.Number({ description: "purchase requests answered per second over the latency window (all origin instances)" }),
    purchaseP95Ms: t.Union([t.Number(), t.Null()], { description: "p95 purchase latency over the latency window (null: no purchase in it)" }),
    admittedTotal: integer(),
    restoredAt: t.Union([integer(), t.Null()], { description: "when the scheduler last rebuilt the line from MySQL after Redis lost it (ms since the epoch); null: never" }),
    restoreKind: t.Union([t.Literal("full"), t.Literal("partial"), t.Null()], { description: "full: Redis came back empty; partial: Redis came back from an older snapshot; null: never restored" }),
    replacedTotal: integer({ description: "fans put back at their own number since that restore (written by the edge when they come back)" }),
  },
  { description: "One second of a sale, as the scheduling leader saw it." },
);

export const dashboardQuery = t.Object({
  since: t.Optional(t.Numeric({ minimum: 0, description: "only samples taken after this time (ms since the epoch): what a page polling every second asks for" })),
});

export const dashboardView = t.Object(
  {
    eventId: eventIdSchema,
    now: integer({ description: "the origin's clock (ms since the epoch)" }),
    intervalMs: integer({ description: "time between samples" }),
    queue: queueView,
    samples: t.Array(dashboardSample, { description: "oldest first; at most the last 10 minutes" }),
  },
  { description: "The organiser dashboard: the waiting room now and one sample per second of the last minutes." },
);

export const dashboardModels = new Elysia({ name: "models.dashboard" }).model({
  "dashboard.params": t.Object({ eventId: eventIdSchema }),
  "dashboard.query": dashboardQuery,
  "dashboard.view": dashboardView,
  "dashboard.sample": dashboardSample,
});
