/**
 * Pages of an event or path another event's room covers (common/room-routes.ts): a fan
 * without the room's active token gets the room's waiting room (one line, one place, whatever
 * address they came in by); a fan with it gets the covered event's sale page, or the covered
 * path from the origin with the token. After the claim the waiting room's script brings the
 * fan back to the address they opened (edge/browser/waiting-room.ts). The room's staff
 * (its bypass secrets and IP ranges) go straight through as on the room's own page.
 */
import { readActive } from "../auth.ts";
import { rulesFor, staffRule } from "../bypass-rules.ts";
import type { Env } from "../env.ts";
import { htmlResponse as html } from "../html.ts";
import { error } from "../http.ts";
import { forward } from "../proxy.ts";
import { salePage } from "../sale-page.ts";
import { staffCoveredPath, staffPage } from "./bypass.ts";
import { page } from "./page.ts";

/** The room's staff rule the request matches, or null. */
async function roomStaff(request: Request, env: Env, ctx: ExecutionContext, room: string) {
  return staffRule(request, await rulesFor(env, ctx, room), room);
}

/** GET /events/:eventId of a covered event: its sale page for the room's admitted fans, else the room's line. */
export async function coveredPage(request: Request, env: Env, ctx: ExecutionContext, eventId: string, room: string): Promise<Response> {
  if (await readActive(request, env, room)) return html(request.method === "HEAD" ? null : salePage(eventId));
  const staff = await roomStaff(request, env, ctx, room);
  if (staff) return staffPage(request, env, ctx, room, staff, eventId);
  return page(request, env, ctx, room);
}

/** GET/HEAD under a covered path prefix: to the origin with the room's token, else the room's line. */
export async function coveredPath(request: Request, env: Env, ctx: ExecutionContext, room: string, url: URL): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") return error(405, "METHOD_NOT_ALLOWED", "Use GET.", { allow: "GET, HEAD" });
  const active = await readActive(request, env, room);
  if (active) return forward(request, env, active.token, url.pathname + url.search);
  const staff = await roomStaff(request, env, ctx, room);
  if (staff) return staffCoveredPath(request, env, ctx, room, staff, url);
  return page(request, env, ctx, room);
}
