import { Elysia, t } from "elysia";
import { eventIdSchema } from "../shared/model.ts";
import { queueView } from "../admission/model.ts";

export const dashboardSample = t.Object(
  {
    t: t.Integer({ description: "when the sample was taken (ms since the epoch)" }),
    status: t.String({ description: "waiting room status then (open, paused, ...)" }),
    waiting: t.Integer({ description: "fans in line" }),
    admittedPerSec: t.Union([t.Number(), t.Null()], { description: "fans admitted per second since the previous sample (null for the first)" }),
    targetRate: t.Number({ description: "admissions per second the scheduler aimed for (the adaptive rate)" }),
    ceilingRate: t.Number({ description: "admissions per second allowed at most" }),
    activeSessions: t.Integer({ description: "live sessions in the purchase area" }),
    unclaimed: t.Integer({ description: "admitted fans who have not claimed yet (they count against maxActive)" }),
    maxActive: t.Integer(),
    heldSeats: t.Union([t.Integer(), t.Null()], { description: "seats held right then (null when the event has no seat layout)" }),
    soldSeats: t.Integer({ description: "seats sold so far" }),
    soldPerSec: t.Union([t.Number(), t.Null()], { description: "seats sold per second since the previous sample" }),
    purchasesPerSec: t.Number({ description: "purchase requests answered per second over the latency window (all origin instances)" }),
    purchaseP95Ms: t.Union([t.Number(), t.Null()], { description: "p95 purchase latency over the latency window (null: no purchase in it)" }),
    admittedTotal: t.Integer(),
  },
  { description: "One second of a sale, as the scheduling leader saw it." },
);

export const dashboardQuery = t.Object({
  since: t.Optional(t.Numeric({ minimum: 0, description: "only samples taken after this time (ms since the epoch): what a page polling every second asks for" })),
});

export const dashboardView = t.Object(
  {
    eventId: eventIdSchema,
    now: t.Integer({ description: "the origin's clock (ms since the epoch)" }),
    intervalMs: t.Integer({ description: "time between samples" }),
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
