/** Schemas of the sale report (service.ts): what happened to the fans of one event, from MySQL. */
import { Elysia, t } from "elysia";
import { eventIdSchema, integer } from "../shared/model.ts";

const nullableNumber = (description: string) => t.Union([t.Number(), t.Null()], { description });

export const reportFans = t.Object(
  {
    joined: integer({ description: "queue numbers handed out: every fan who took a place (refused joins take none)" }),
    admitted: integer({ description: "fans let through to claim their turn" }),
    stillWaiting: integer({ description: "fans in line when the report was made (after the sale: never admitted because it ended first)" }),
    abandonedInLine: integer({ description: "fans who left the line before their turn: joined - admitted - stillWaiting" }),
    neverClaimed: integer({ description: "admitted, but the claim window closed without a claim" }),
    stillToClaim: integer({ description: "admitted, the claim window still open" }),
    claimedNotBought: integer({ description: "claimed a session that ended (left, revoked or expired) without an order" }),
    stillShopping: integer({ description: "claimed, no order yet, the session still live" }),
    bought: integer({ description: "admitted fans whose session has a paid order" }),
  },
  { description: "What became of the fans who took a place in line." },
);

export const reportPurchases = t.Object(
  {
    orders: integer({ description: "paid orders (any session)" }),
    refunded: integer({ description: "orders refunded since" }),
    tickets: integer({ description: "seats sold and not refunded" }),
  },
  { description: "Orders and seats in MySQL." },
);

export const reportTimeInLine = t.Object(
  {
    measured: integer({ description: "admissions whose time in line is known: join time from the leader's ticks (one tick's resolution) or estimated from the sale's samples" }),
    estimated: integer({ description: "of these, join times estimated from the sale's samples (a leader took over mid-sale)" }),
    p50Ms: nullableNumber("median time from taking a place to admission (ms); null: none measured"),
    p90Ms: nullableNumber("90th percentile (ms)"),
    p99Ms: nullableNumber("99th percentile (ms)"),
  },
  { description: "Time in line: admission time minus the time the fan's number was handed out." },
);

export const reportDecile = t.Object(
  {
    decile: integer({ minimum: 1, maximum: 10, description: "1 = the front tenth of the line, by queue number" }),
    fromNumber: integer({ description: "first queue number of the tenth" }),
    toNumber: integer({ description: "last queue number of the tenth" }),
    fans: integer({ description: "queue numbers in the tenth" }),
    admitted: integer(),
    bought: integer(),
    admittedShare: t.Number({ description: "admitted / fans (0..1, 4 decimals)" }),
    boughtShare: t.Number({ description: "bought / fans (0..1, 4 decimals)" }),
  },
  { description: "The outcome of one tenth of the line." },
);

export const reportSample = t.Object(
  {
    t: integer({ description: "when the sample was taken (ms since the epoch)" }),
    status: t.String({ description: "waiting room status then" }),
    waiting: integer({ description: "fans in line" }),
    joined: integer({ description: "queue numbers handed out so far" }),
    admitted: integer({ description: "fans admitted so far" }),
    sold: integer({ description: "seats sold so far" }),
    targetRate: t.Number({ description: "admissions per second the scheduler aimed for" }),
    joinsPerSec: nullableNumber("new places per second since the previous sample (null for the first)"),
    admittedPerSec: nullableNumber("fans admitted per second since the previous sample"),
    soldPerSec: nullableNumber("seats sold per second since the previous sample"),
    dbPurchasesPerSec: t.Number({ description: "purchase transactions per second in the sample's window (all instances)" }),
    dbP95Ms: nullableNumber("p95 of the purchase transaction (order insert, pool wait included) in that window; null: none"),
  },
  { description: "The sale every few seconds, over its whole length." },
);

export const reportSale = t.Object(
  {
    from: t.Union([integer(), t.Null()], { description: "first sample (ms since the epoch); null: no sample yet" }),
    to: t.Union([integer(), t.Null()], { description: "last sample" }),
    samples: integer({ description: "samples kept (at most 2,000 per event; the spacing doubles when a sale outgrows them)" }),
    admittedPerSecMean: nullableNumber("fans admitted per second between the first and the last sample"),
    admittedPerSecPeak: nullableNumber("highest admissions per second between two samples"),
    dbPurchases: integer({ description: "purchase transactions timed over the samples" }),
    dbP95MsPeak: nullableNumber("highest per-sample p95 of the purchase transaction"),
  },
  { description: "Admission rate, purchases and database latency over the whole sale." },
);

export const saleReport = t.Object(
  {
    eventId: eventIdSchema,
    generatedAt: integer({ description: "when the report was made (ms since the epoch)" }),
    status: t.Union([t.String(), t.Null()], { description: "the waiting room's status in MySQL (open, soldout, closed, ...); null: no waiting room" }),
    fans: reportFans,
    purchases: reportPurchases,
    timeInLine: reportTimeInLine,
    deciles: t.Array(reportDecile, { description: "ten tenths of the line, front first (empty while nobody joined)" }),
    sale: reportSale,
    timeline: t.Array(reportSample, { description: "oldest first" }),
  },
  { description: "The sale report: every number from MySQL (and the line's length from Redis), signed by the edge at /admin/events/{eventId}/report.jws." },
);

/** Inline in its route, not a model: the document then lists it as text/csv (lib/openapi-document.ts). */
export const reportCsvSchema = t.String({ contentMediaType: "text/csv", description: "header section,key,metric,value; one row per number of the JSON report" });

export const reportModels = new Elysia({ name: "models.report" }).model({
  "report.params": t.Object({ eventId: eventIdSchema }),
  "report.query": t.Object({
    format: t.Optional(
      t.UnionEnum(["json", "csv"], {
        description: "`json` (the default): the report as JSON, as /report; `csv`: as /report.csv. Anything else is 400 INVALID_REQUEST",
      }),
    ),
  }),
  "report.view": saleReport,
});
