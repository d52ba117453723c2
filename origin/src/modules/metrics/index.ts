/**
 * GET /metrics (Prometheus text format), request timing for every route, the purchase
 * request latency samples the dashboard shows (adaptive mode steers by the database
 * transaction's, recorded by the purchase service), and a JSON access log line per
 * request carrying the request id the edge passed through. Mount it before the routes it
 * should time.
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps.ts";
import { REQUEST_ID_HEADER } from "../../plugins/request-context.ts";
import { logJson } from "./log.ts";

const PURCHASE_ROUTE = "/api/events/:eventId/holds/:holdId/purchase";
/** quick refusals (bad input, no token, not found) say nothing about the database */
const NOT_A_PURCHASE = new Set([400, 401, 403, 404, 422]);

export const metricsController = (deps: Deps, options: { accessLog?: boolean } = {}) => {
  const { metrics } = deps;
  const { latency } = deps.admission;
  const accessLog = options.accessLog ?? (process.env.LOG_REQUESTS ?? (process.env.NODE_ENV === "test" ? "0" : "1")) !== "0";
  const started = new WeakMap<Request, number>();
  // one labelled child per (method, route, status): prom-client validates labels on every
  // lookup, which showed up on the hot path
  const timers = new Map<string, { observe(seconds: number): void }>();
  const timerFor = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let timer = timers.get(key);
    if (!timer) {
      timer = metrics.httpDuration.labels({ method, route, status: String(status) });
      timers.set(key, timer);
    }
    return timer;
  };
  return new Elysia({ name: "metrics", seed: crypto.randomUUID() })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set, params }) => {
      const t0 = started.get(request);
      if (t0 === undefined) return;
      const ms = performance.now() - t0;
      const status = Number(set.status ?? 200) || 200;
      const pattern = route || "unmatched";
      timerFor(request.method, pattern, status).observe(ms / 1000);
      const eventId = (params as Record<string, string> | undefined)?.eventId;
      if (pattern === PURCHASE_ROUTE && eventId && !NOT_A_PURCHASE.has(status)) latency.record(eventId, ms, deps.clock.now());
      if (accessLog && pattern !== "/metrics") {
        const requestId = String(set.headers[REQUEST_ID_HEADER] ?? request.headers.get(REQUEST_ID_HEADER) ?? "-");
        logJson(status >= 500 ? "error" : "info", "request", { requestId, method: request.method, route: pattern, path: new URL(request.url).pathname, status, ms: Math.round(ms * 10) / 10 });
      }
    })
    .get(
      "/metrics",
      async ({ set }) => {
        set.headers["content-type"] = metrics.registry.contentType;
        return metrics.text();
      },
      { response: { 200: t.String({ description: "Prometheus text exposition format (text/plain; version=0.0.4)" }) }, detail: { summary: "Prometheus metrics: queue, admissions, sessions, scheduler, adaptive rate, request and store latency", description: "Prometheus text exposition format (text/plain; version=0.0.4), for scraping. Needs no credential; keep it off the public network.", tags: ["health"] } },
    );
};
