/**
 * /admin/*: the organiser's calls, passed to the origin with the caller's own
 * Authorization header; the origin checks the admin key. Only the routes the organiser
 * dashboard uses are forwarded (live data, waiting room controls, what a room covers, stats, access codes, bypass
 * rules, page templates, the sale report), never event creation, refunds or capacity runs. The
 * signed report (`/report.jws`) is the origin's JSON report signed here with the active-token
 * key (report-signature.ts). Every call counts against a per-IP limit per event (fail closed),
 * so the key cannot be guessed by retrying through the edge.
 */
import { EVENT_ID_PATTERN } from "../../../common/keys.ts";
import type { Env } from "../env.ts";
import { clientIp, error, json } from "../http.ts";
import { forward } from "../proxy.ts";
import { limit } from "../ratelimit.ts";
import { signReport } from "../report-signature.ts";

const ADMIN_ROUTES: Array<[RegExp, string[]]> = [
  [/^\/admin\/events\/([^/]+)\/dashboard$/, ["GET"]],
  [/^\/admin\/events\/([^/]+)\/stats$/, ["GET"]],
  [/^\/admin\/events\/([^/]+)\/report(?:\.csv|\.jws)?$/, ["GET"]],
  [/^\/admin\/events\/([^/]+)\/queue$/, ["GET", "PATCH"]],
  [/^\/admin\/events\/([^/]+)\/waitlist$/, ["GET"]],
  [/^\/admin\/events\/([^/]+)\/limits$/, ["PATCH"]],
  [/^\/admin\/events\/([^/]+)\/queue\/(?:pause|resume|close)$/, ["POST"]],
  [/^\/admin\/events\/([^/]+)\/queue\/covers$/, ["GET", "PUT"]],
  [/^\/admin\/events\/([^/]+)\/access-codes$/, ["GET", "POST"]],
  [/^\/admin\/events\/([^/]+)\/access-codes\/[A-Za-z0-9_-]{1,40}$/, ["DELETE"]],
  [/^\/admin\/events\/([^/]+)\/bypass-rules$/, ["GET", "POST"]],
  [/^\/admin\/events\/([^/]+)\/bypass-rules\/[A-Za-z0-9_-]{1,40}$/, ["PATCH", "DELETE"]],
  [/^\/admin\/events\/([^/]+)\/page-templates$/, ["GET"]],
  [/^\/admin\/events\/([^/]+)\/page-templates\/(?:waiting|prequeue|paused|soldout|closed)$/, ["PUT", "DELETE"]],
];

export async function admin(request: Request, env: Env, ctx: ExecutionContext, url: URL): Promise<Response> {
  let match: RegExpExecArray | null = null;
  const route = ADMIN_ROUTES.find(([pattern]) => (match = pattern.exec(url.pathname)) !== null);
  if (!route || !match) return error(404, "NOT_FOUND", "No such admin route.");
  if (!route[1].includes(request.method)) return error(405, "METHOD_NOT_ALLOWED", `Use ${route[1].join(" or ")}.`, { allow: route[1].join(", ") });
  const eventId = (match as RegExpExecArray)[1]!;
  if (!EVENT_ID_PATTERN.test(eventId)) return error(400, "BAD_EVENT_ID", "Event ids are 1-64 letters, digits, '-' or '_'.");
  const limited = await limit(env, ctx, eventId, "admin", clientIp(request) ?? "unknown");
  if (limited) return limited;
  if (!/^Bearer\s+\S/i.test(request.headers.get("authorization") ?? "")) {
    return error(401, "ADMIN_KEY_INVALID", "A valid admin key is required (Authorization: Bearer <admin key>).", { "www-authenticate": 'Bearer realm="concert-u-admin"' });
  }
  if (url.pathname.endsWith("/report.jws")) return signedReport(request, env, url);
  const res = await forward(request, env, { passAuthorization: true }, url.pathname + url.search);
  res.headers.set("cache-control", "no-store");
  return res;
}

/** The origin's JSON report, signed with the active-token key; the origin's refusals pass as they are. */
async function signedReport(request: Request, env: Env, url: URL): Promise<Response> {
  const res = await forward(request, env, { passAuthorization: true }, url.pathname.slice(0, -".jws".length));
  if (res.status !== 200) {
    res.headers.set("cache-control", "no-store");
    return res;
  }
  return json(await signReport(env, await res.text()));
}
