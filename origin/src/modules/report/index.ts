/** The sale report's admin routes: the JSON report (or, with ?format=csv, its CSV) and the CSV download; the edge signs the JSON (report.jws). */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps.ts";
import { adminKeyPlugin } from "../../plugins/admin-key.ts";
import { adminRoutes } from "../shared/guards.ts";
import { sharedModels } from "../shared/model.ts";
import { reportCsv } from "./csv.ts";
import { reportCsvSchema, reportModels } from "./model.ts";
import { readReport } from "./service.ts";

const csvHeaders = (eventId: string) => ({ "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="sale-report-${eventId}.csv"` });

const description =
  "From MySQL: the admissions the leader recorded (with their join and admission times), claims, ended sessions, orders, the checkpoint and the whole-sale samples; the line's length now from Redis. " +
  "What each number means: docs/FEATURES.md, \"The sale report\". The edge signs this JSON at /admin/events/{eventId}/report.jws (a detached JWS verified with its published JWKS). 404 EVENT_NOT_FOUND when the id has neither an event nor a waiting room.";

/** The report after a sale (and during it): fans, outcomes per tenth of the line, time in line, the whole sale's samples. */
export const reportController = (deps: Deps) =>
  new Elysia({ prefix: "/admin", tags: ["admin"] })
    .use(sharedModels)
    .use(reportModels)
    .use(adminKeyPlugin(deps.config.adminKey))
    .guard(adminRoutes(404))
    .get(
      "/events/:eventId/report",
      async ({ params, query, set }) => {
        const report = await readReport(deps, params.eventId);
        if (query.format !== "csv") return report;
        Object.assign(set.headers, csvHeaders(params.eventId));
        return reportCsv(report);
      },
      {
        params: "report.params",
        query: "report.query",
        response: { 200: t.Union([t.Ref("report.view"), reportCsvSchema], { description: "the JSON report, or with ?format=csv the CSV of /report.csv" }) },
        detail: {
          summary: "The sale report: fans joined, admitted, abandoned and bought, time in line, outcome per tenth of the line, the whole sale",
          description: `${description} ?format=csv answers as /report.csv, ?format=json (the default) as here.`,
        },
      },
    )
    .get(
      "/events/:eventId/report.csv",
      async ({ params, set }) => {
        const csv = reportCsv(await readReport(deps, params.eventId));
        Object.assign(set.headers, csvHeaders(params.eventId));
        return csv;
      },
      {
        params: "report.params",
        response: { 200: reportCsvSchema },
        detail: { summary: "The sale report as CSV (section,key,metric,value)", description },
      },
    );
