/**
 * What a bypass rule lets through (edge/src/bypass-rules.ts matches it; docs/IDENTITY.md,
 * "Staff and monitoring"):
 *
 * - a staff secret or an IP range, on the waiting room page or the JSON join: a staff session
 *   at once (admitStaff: in `active`, outside the line, no queue number, not counted against
 *   maxActive) and its active token, so the page is the sale page and /api opens as for an
 *   admitted fan, with the same per-order and per-customer limits and seat scripts. A request
 *   that holds a valid active token of the event keeps it. An IP range's machine has one
 *   session per address (its id is derived from rule and address), so a monitor polling
 *   without cookies never piles sessions up; a secret's holder gets a session of their own.
 * - on a page another event's room covers (an event or a path prefix: routes/covered.ts), the
 *   room's secrets and ranges, as on the room's own page: a staff session of the room, whose
 *   token opens the covered event.
 * - a path prefix (strictly under /events/<eventId>/): GET and HEAD there are forwarded to
 *   the origin with no credential of any kind (no ticket, no token, cookies and Authorization
 *   dropped as always). It never opens /api: seat holds still need an active token.
 */
import { mintActive, activeCookieName, randomId, readActive } from "../auth.ts";
import { countUse, pathRule, type Rules } from "../bypass-rules.ts";
import { config, type Env } from "../env.ts";
import { htmlResponse as html } from "../html.ts";
import { cookie, error, json } from "../http.ts";
import { chooseLanguage } from "../i18n/index.ts";
import { messagePage } from "../page.ts";
import { forward } from "../proxy.ts";
import { redisScripts, runScript } from "../redis.ts";
import { salePage } from "../sale-page.ts";
import { StaffCode } from "../../../lua/codes.ts";

export interface StaffMatch {
  id: string;
  kind: "header" | "ip";
  ip: string;
}

type StaffSession =
  | { kind: "session"; token: string; sid: string; expiresAt: number; setCookie: string | null }
  | { kind: "no-queue" }
  | { kind: "sale-ended" };

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** The staff session of a matched request: the one its active token names, else a new one. */
async function staffSession(request: Request, env: Env, eventId: string, match: StaffMatch): Promise<StaffSession> {
  const active = await readActive(request, env, eventId);
  if (active) return { kind: "session", token: active.token, sid: active.claims.sid, expiresAt: (active.claims.exp ?? 0) * 1000, setCookie: null };
  const sid = match.kind === "ip" ? `st_${(await sha256Hex(`${match.id}|${match.ip}`)).slice(0, 32)}` : `st_${randomId()}`;
  const { code, expiresAt } = await runScript(env, redisScripts.admitStaff, eventId, [sid, Date.now(), config(env).sessionTtlSeconds * 1000]);
  if (code === StaffCode.NO_QUEUE) return { kind: "no-queue" };
  if (code === StaffCode.SALE_ENDED) return { kind: "sale-ended" };
  const token = await mintActive(env, eventId, sid, expiresAt, { staff: true });
  const maxAge = Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000));
  return { kind: "session", token, sid, expiresAt, setCookie: cookie(request, activeCookieName(eventId), token, maxAge) };
}

/**
 * GET /events/:eventId for staff: the sale page, with the staff session's cookie. `saleOf` is
 * the event whose sale page it is: a covered event's page is matched against its room's rules
 * (`eventId`, whose session and token open the covered event too).
 */
export async function staffPage(request: Request, env: Env, ctx: ExecutionContext, eventId: string, match: StaffMatch, saleOf = eventId): Promise<Response> {
  const s = await staffSession(request, env, eventId, match);
  if (s.kind === "no-queue") return html(messagePage("Event not found", "There is no sale for this event."), 404);
  if (s.kind === "sale-ended") return html(messagePage("Sale ended", "This sale has ended. Thank you for your patience."), 410);
  countUse(env, ctx, eventId, match.id);
  const l = chooseLanguage(request);
  const res = html(request.method === "HEAD" ? null : salePage(saleOf, l), 200, s.setCookie ? { "set-cookie": s.setCookie } : {});
  if (l.setCookie) res.headers.append("set-cookie", l.setCookie);
  return res;
}

/** GET/HEAD under a room's covered path prefix for the room's staff: to the origin with the staff session's token (and its cookie). */
export async function staffCoveredPath(request: Request, env: Env, ctx: ExecutionContext, room: string, match: StaffMatch, url: URL): Promise<Response> {
  const s = await staffSession(request, env, room, match);
  if (s.kind === "no-queue") return html(messagePage("Event not found", "There is no sale for this event."), 404);
  if (s.kind === "sale-ended") return html(messagePage("Sale ended", "This sale has ended. Thank you for your patience."), 410);
  countUse(env, ctx, room, match.id);
  const res = await forward(request, env, s.token, url.pathname + url.search);
  if (s.setCookie) res.headers.append("set-cookie", s.setCookie);
  return res;
}

/** POST /queue/:eventId/join for staff: the active token at once, as a claim answers it (no ticket, no claim). */
export async function staffJoin(request: Request, env: Env, ctx: ExecutionContext, eventId: string, match: StaffMatch): Promise<Response> {
  const s = await staffSession(request, env, eventId, match);
  if (s.kind === "no-queue") return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
  if (s.kind === "sale-ended") return error(410, "SALE_ENDED", "The sale has ended.");
  countUse(env, ctx, eventId, match.id);
  return json(
    { eventId, staff: true, admitted: true, activeToken: s.token, sessionId: s.sid, expiresAt: new Date(s.expiresAt).toISOString(), redirect: `/events/${eventId}` },
    200,
    s.setCookie ? { "set-cookie": s.setCookie } : {},
  );
}

/** GET/HEAD under a path rule's prefix: to the origin with no credential. Null when no rule holds the path. */
export async function bypassPath(request: Request, env: Env, ctx: ExecutionContext, eventId: string, rules: Rules, path: string, url: URL): Promise<Response | null> {
  const id = pathRule(rules, path);
  if (!id) return null;
  if (request.method !== "GET" && request.method !== "HEAD") return error(405, "METHOD_NOT_ALLOWED", "Use GET.", { allow: "GET, HEAD" });
  countUse(env, ctx, eventId, id);
  return forward(request, env, { anonymous: true }, url.pathname + url.search);
}
