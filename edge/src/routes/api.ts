/**
 * /api/*: admitted traffic only, and only to the origin's fan-facing routes. The event comes from the path (`/api/events/:eventId/...`);
 * routes without one (`/api/orders/:orderId`) name it with `X-Event-Id` or `?eventId=`,
 * or, when neither is given, the fan's single active-token cookie decides. An event another
 * event's room covers takes that room's active token (common/room-routes.ts); the origin
 * checks the same table.
 */
import { EVENT_ID_PATTERN } from "../../../common/keys.ts";
import { ACTIVE_COOKIE_PREFIX, readActive } from "../auth.ts";
import { proveBound, readProof } from "../dpop.ts";
import type { Env } from "../env.ts";
import { cookiesWithPrefix, error } from "../http.ts";
import { forward } from "../proxy.ts";
import { roomOfEvent } from "../../../common/room-routes.ts";
import { roomRoutes, type WaitUntil } from "../room-routes.ts";

export const EVENT_HEADER = "x-event-id";

/** The origin's fan-facing routes; anything else under /api is not forwarded. */
export const ORIGIN_ROUTES: Array<[RegExp, string[]]> = [
  [/^\/api\/events\/[^/]+$/, ["GET", "HEAD"]],
  [/^\/api\/events\/[^/]+\/seats$/, ["GET", "HEAD"]],
  [/^\/api\/events\/[^/]+\/seats\/status$/, ["GET", "HEAD"]],
  [/^\/api\/events\/[^/]+\/holds$/, ["GET", "HEAD", "POST"]],
  [/^\/api\/events\/[^/]+\/holds\/best-available$/, ["POST"]],
  [/^\/api\/events\/[^/]+\/holds\/[^/]+$/, ["DELETE"]],
  [/^\/api\/events\/[^/]+\/holds\/[^/]+\/purchase$/, ["POST"]],
  [/^\/api\/events\/[^/]+\/holds\/[^/]+\/extend$/, ["POST"]],
  [/^\/api\/events\/[^/]+\/holds\/[^/]+\/seats$/, ["PUT"]],
  [/^\/api\/events\/[^/]+\/session$/, ["DELETE"]],
  [/^\/api\/orders\/[^/]+$/, ["GET", "HEAD"]],
];

function eventOf(request: Request, url: URL): string | null | "ambiguous" {
  const m = /^\/api\/events\/([^/]+)(?:\/|$)/.exec(url.pathname);
  if (m) return m[1]!;
  const named = request.headers.get(EVENT_HEADER) ?? url.searchParams.get("eventId");
  if (named) return named;
  const held = cookiesWithPrefix(request, ACTIVE_COOKIE_PREFIX).map(([eventId]) => eventId);
  if (held.length === 1) return held[0]!;
  return held.length > 1 ? "ambiguous" : null;
}

/** The fan's active token for the event, or for the room that covers it. */
async function activeFor(request: Request, env: Env, ctx: WaitUntil, eventId: string) {
  const own = await readActive(request, env, eventId);
  if (own) return own;
  const room = roomOfEvent(await roomRoutes(env, ctx), eventId);
  return room === eventId ? null : readActive(request, env, room);
}

export async function api(request: Request, env: Env, ctx: WaitUntil, url: URL): Promise<Response> {
  const route = ORIGIN_ROUTES.find(([pattern]) => pattern.test(url.pathname));
  if (!route) return error(404, "NOT_FOUND", "No such API route.");
  if (!route[1].includes(request.method)) return error(405, "METHOD_NOT_ALLOWED", `Use ${route[1].join(" or ")}.`, { allow: route[1].join(", ") });
  const eventId = eventOf(request, url);
  if (eventId === "ambiguous") {
    return error(400, "EVENT_REQUIRED", `You are admitted to several events; name one with the ${EVENT_HEADER} header or ?eventId=.`);
  }
  if (eventId !== null && !EVENT_ID_PATTERN.test(eventId)) return error(400, "BAD_EVENT_ID", "Event ids are 1-64 letters, digits, '-' or '_'.");
  const active = eventId ? await activeFor(request, env, ctx, eventId) : null;
  if (!eventId || !active) {
    const where = eventId ? `/events/${eventId}` : "/events/<eventId>";
    return error(401, "NOT_ADMITTED", `Join the waiting room at ${where}; the sale opens for you when it is your turn.`, {
      "www-authenticate": 'Bearer realm="concert-u"',
    });
  }
  const boundTo = active.claims.cnf?.jkt;
  if (boundTo) {
    // a replayed read is caught by this isolate; a replayed change by every isolate (Redis)
    const changes = request.method !== "GET" && request.method !== "HEAD";
    const refused = await proveBound(env, eventId, await readProof(request, active.token), boundTo, changes);
    if (refused) return refused;
  }
  return forward(request, env, active.token, url.pathname + url.search);
}
