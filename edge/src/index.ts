/**
 * The edge Worker: the waiting room every browser talks to.
 *
 *   GET  /events/:eventId            waiting room page (joins), or the sale page once admitted (at once for staff: bypass rules)
 *   GET  /events/:eventId/...        only under a bypass rule's path prefix: to the origin, without the line or any credential;
 *                                    or under a room's covered path prefix: the room's line, then the origin with its token
 *
 * An event another event's room covers (common/room-routes.ts) is in that room's line: its
 * page, its /queue/* routes and its /api routes are the room's (routes/covered.ts, routes/api.ts).
 *   POST /queue/:eventId/join        join (JSON)
 *   GET  /queue/:eventId/events      position stream (SSE)
 *   GET  /queue/:eventId/status      position (JSON, for polling)
 *   GET  /queue/:eventId/challenge   a proof-of-work challenge for a new place (no Redis)
 *   PUT  /queue/:eventId/choice      a waiting fan's choice: how many seats, which tier or price cap
 *   POST /queue/:eventId/claim       admitted ticket -> active token (and the seats of the choice held)
 *   POST /queue/:eventId/waitlist    the waiting list after sell-out: an entry and its ticket
 *   GET  /queue/:eventId/waitlist    where the entry is: place, or the seats offered
 *   POST /queue/:eventId/extend      an admitted ticket's claim window, once longer (accessible timing)
 *   POST /queue/:eventId/identity/*  the identity step (email code, passkey), forwarded to the origin (identity.ts)
 *   GET  /queue/:eventId/resume/:code  the resume link: asks before moving the place here
 *   POST /queue/:eventId/resume/:code  moves the waiting place to this device (a fresh ticket)
 *   POST /queue/:eventId/notify        a waiting fan's address for the turn email
 *   GET  /queue/:eventId/turn/:code    the turn email's link: asks before claiming the turn
 *   POST /queue/:eventId/turn/:code    claims the turn (once, within the claim window)
 *   GET  /.well-known/jwks.json      public keys of active tokens
 *   *    /api/*                      proxied to the origin with a valid active token
 *   *    /admin/events/:eventId/...   organiser calls (dashboard, queue controls, stats), proxied to
 *                                    the origin with the caller's admin key; limited per IP
 *   GET  /organiser/events/:eventId  organiser dashboard page (live charts, controls)
 *   GET  /organiser/assets/*         the dashboard's script and uPlot (JS, CSS), versioned URLs
 *   GET  /assets/*, /favicon.ico     the pages' icon, scripts and stylesheet (versioned URLs, cached a year)
 *   GET  /healthz                    liveness, touches nothing
 *   GET  /health                     readiness: Redis reachable, registry present, no line being restored (503 when degraded)
 *   GET  /openapi.json               this API's OpenAPI document (openapi.ts)
 */
import { EVENT_ID_PATTERN } from "../../common/keys.ts";
import { staticAsset } from "./assets.ts";
import { config, type Env } from "./env.ts";
import { error, json } from "./http.ts";
import { edgeOpenApi } from "./openapi.ts";
import { rulesFor, staffRule } from "./bypass-rules.ts";
import { roomOfEvent, roomOfPath } from "../../common/room-routes.ts";
import { roomRoutes } from "./room-routes.ts";
import { coveredPage, coveredPath } from "./routes/covered.ts";
import { admin } from "./routes/admin.ts";
import { bypassPath, staffJoin, staffPage } from "./routes/bypass.ts";
import { api } from "./routes/api.ts";
import { challenge } from "./routes/challenge.ts";
import { claim } from "./routes/claim.ts";
import { extendClaim } from "./routes/extend.ts";
import { declareChoice } from "./routes/choice.ts";
import { health } from "./routes/health.ts";
import { join } from "./routes/join.ts";
import { identityRoute } from "./identity.ts";
import { jwks } from "./routes/jwks.ts";
import { organiser } from "./routes/organiser.ts";
import { page } from "./routes/page.ts";
import { preview } from "./routes/preview.ts";
import { resume, resumeConfirm } from "./routes/resume.ts";
import { status } from "./routes/status.ts";
import { turnLinkClaim, turnLinkConfirm } from "./routes/turn.ts";
import { leaveAddress } from "./routes/turn-mail.ts";
import { joinWaitlist, waitlistStatus } from "./routes/waitlist.ts";
import { stream } from "./routes/stream.ts";

export type { Env } from "./env.ts";

/**
 * The path exactly as sent, before URL parsing could resolve dot segments. Requests
 * whose path is not canonical are refused before any decision is made on them.
 */
function rawPath(request: Request): string {
  const afterScheme = request.url.indexOf("//") + 2;
  const start = request.url.indexOf("/", afterScheme);
  if (start < 0) return "/";
  const end = request.url.slice(start).search(/[?#]/);
  return end < 0 ? request.url.slice(start) : request.url.slice(start, start + end);
}

const NON_CANONICAL = /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|\/\/|%00/i;

async function route(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const path = rawPath(request);
  if (NON_CANONICAL.test(path) || path !== url.pathname) {
    return error(400, "BAD_PATH", "The request path is not canonical.");
  }
  const { method } = request;

  if (path.startsWith("/api/")) return api(request, env, ctx, url);
  if (path.startsWith("/admin/")) return admin(request, env, ctx, url);
  const staticResponse = staticAsset(request, path);
  if (staticResponse) return staticResponse;
  const organiserResponse = organiser(request, path);
  if (organiserResponse) return organiserResponse;
  if (path === "/healthz") return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  if (path === "/health") return method === "GET" || method === "HEAD" ? health(env) : notAllowed("GET");
  if (path === "/openapi.json") return method === "GET" || method === "HEAD" ? json(edgeOpenApi, 200, { "cache-control": "public, max-age=300" }) : notAllowed("GET");
  if (path === "/.well-known/jwks.json") return method === "GET" || method === "HEAD" ? jwks(env) : notAllowed("GET");

  const pageMatch = /^\/events\/([^/]+)\/?$/.exec(path);
  if (pageMatch) {
    const eventId = pageMatch[1]!;
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    if (method !== "GET" && method !== "HEAD") return notAllowed("GET");
    const room = roomOfEvent(await roomRoutes(env, ctx), eventId);
    if (room !== eventId) return coveredPage(request, env, ctx, eventId, room);
    const staff = await staffRule(request, await rulesFor(env, ctx, eventId), eventId);
    if (staff) return staffPage(request, env, ctx, eventId, staff);
    return page(request, env, ctx, eventId);
  }

  const previewMatch = /^\/events\/([^/]+)\/preview\/([^/]+)$/.exec(path);
  if (previewMatch) {
    const [, eventId, kind] = previewMatch as unknown as [string, string, string];
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    if (method !== "GET" && method !== "HEAD") return notAllowed("GET");
    return preview(request, env, eventId, kind);
  }
  const underEvent = /^\/events\/([^/]+)\/./.exec(path);
  if (underEvent && EVENT_ID_PATTERN.test(underEvent[1]!)) {
    const passed = await bypassPath(request, env, ctx, underEvent[1]!, await rulesFor(env, ctx, underEvent[1]!), path, url);
    if (passed) return passed;
    const room = roomOfPath(await roomRoutes(env, ctx), path);
    if (room) return coveredPath(request, env, ctx, room, url);
  }

  // the line of an event another room covers is that room's
  const lineOf = async (eventId: string) => (EVENT_ID_PATTERN.test(eventId) ? roomOfEvent(await roomRoutes(env, ctx), eventId) : eventId);

  const resumeMatch = /^\/queue\/([^/]+)\/resume\/([^/]+)$/.exec(path);
  if (resumeMatch) {
    const [, asked, code] = resumeMatch as unknown as [string, string, string];
    const eventId = await lineOf(asked);
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    if (method === "GET" || method === "HEAD") return resumeConfirm(request, env, eventId, code);
    if (method === "POST") return resume(request, env, ctx, eventId, code);
    return notAllowed("GET, POST");
  }

  const turnMatch = /^\/queue\/([^/]+)\/turn\/([^/]+)$/.exec(path);
  if (turnMatch) {
    const [, asked, code] = turnMatch as unknown as [string, string, string];
    const eventId = await lineOf(asked);
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    if (method === "GET" || method === "HEAD") return turnLinkConfirm(request, env, eventId, code);
    if (method === "POST") return turnLinkClaim(request, env, ctx, eventId, code);
    return notAllowed("GET, POST");
  }

  const waitlistMatch = /^\/queue\/([^/]+)\/waitlist$/.exec(path);
  if (waitlistMatch) {
    const eventId = await lineOf(waitlistMatch[1]!);
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    if (method === "POST") return joinWaitlist(request, env, ctx, eventId);
    if (method === "GET") return waitlistStatus(request, env, ctx, eventId);
    return notAllowed("GET, POST");
  }

  const identityMatch = /^\/queue\/([^/]+)\/identity\/([a-z/]+)$/.exec(path);
  if (identityMatch) {
    const [, asked, action] = identityMatch as unknown as [string, string, string];
    const eventId = await lineOf(asked);
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    return identityRoute(request, env, eventId, action);
  }

  const choiceMatch = /^\/queue\/([^/]+)\/choice$/.exec(path);
  if (choiceMatch) {
    const eventId = await lineOf(choiceMatch[1]!);
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    if (method !== "PUT") return notAllowed("PUT");
    return declareChoice(request, env, ctx, eventId);
  }

  const queueMatch = /^\/queue\/([^/]+)\/(join|events|status|claim|extend|challenge|notify)$/.exec(path);
  if (queueMatch) {
    const [, asked, action] = queueMatch as unknown as [string, string, string];
    const eventId = await lineOf(asked);
    if (!EVENT_ID_PATTERN.test(eventId)) return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    const expected = action === "join" || action === "claim" || action === "notify" || action === "extend" ? "POST" : "GET";
    if (method !== expected) return notAllowed(expected);
    switch (action) {
      case "join": {
        const staff = await staffRule(request, await rulesFor(env, ctx, eventId), eventId);
        return staff ? staffJoin(request, env, ctx, eventId, staff) : join(request, env, ctx, eventId);
      }
      case "claim":
        return claim(request, env, ctx, eventId);
      case "notify":
        return leaveAddress(request, env, ctx, eventId);
      case "extend":
        return extendClaim(request, env, ctx, eventId);
      case "status":
        return status(request, env, ctx, eventId);
      case "challenge":
        return challenge(request, env, eventId, url);
      default:
        return stream(request, env, ctx, eventId);
    }
  }
  return error(404, "NOT_FOUND", "No such page.");
}

function notAllowed(allow: string): Response {
  return error(405, "METHOD_NOT_ALLOWED", `Use ${allow}.`, { allow });
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    try {
      config(env);
    } catch (e) {
      console.error("edge misconfigured:", e instanceof Error ? e.message : e);
      return error(500, "EDGE_MISCONFIGURED", "The waiting room is not configured correctly; the operators have been told.");
    }
    try {
      return await route(request, env, ctx);
    } catch (e) {
      console.error("edge request failed", request.method, new URL(request.url).pathname, e);
      return error(503, "UNAVAILABLE", "The waiting room is briefly unavailable; try again in a few seconds.", { "retry-after": "5" });
    }
  },
} satisfies ExportedHandler<Env>;
