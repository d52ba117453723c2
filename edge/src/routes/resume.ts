/**
 * The resume link: GET /queue/:eventId/resume/:code shows a page that asks before moving
 * anything (a link preview or a prefetch moves no place); POST to the same path moves the
 * waiting place to this device: a fresh ticket for the same number, set as this browser's
 * ticket cookie. The latest device to open the link holds the place; the one that held it
 * is told (its stream's `moved` event, PLACE_MOVED on its next call).
 */
import { mintTicket, randomId, ticketCookieName } from "../auth.ts";
import { config, type Env } from "../env.ts";
import { cookie, error, json } from "../http.ts";
import { htmlResponse as html } from "../html.ts";
import { messagePage, resumePage } from "../page.ts";
import { movePlace } from "../queue.ts";
import { limit } from "../ratelimit.ts";
import { restoringError } from "../restoring.ts";
import { readResumeCode } from "../resume.ts";
import { leftQueue, PLACE_MOVED_MESSAGE, redisUnavailable } from "./status.ts";

const INVALID_MESSAGE = "This resume link is not valid for this event. Open the link the waiting page shows, whole.";

export async function resumeConfirm(env: Env, eventId: string, code: string): Promise<Response> {
  if (!(await readResumeCode(env, eventId, code))) return html(messagePage("Resume link not valid", INVALID_MESSAGE), 404);
  return html(resumePage(eventId));
}

export async function resume(request: Request, env: Env, ctx: ExecutionContext, eventId: string, code: string): Promise<Response> {
  const tid = await readResumeCode(env, eventId, code);
  if (!tid) return error(404, "RESUME_LINK_INVALID", INVALID_MESSAGE);
  const limited = await limit(env, ctx, eventId, "ticket", tid);
  if (limited) return limited;
  const newTid = randomId();
  let moved: Awaited<ReturnType<typeof movePlace>>;
  try {
    moved = await movePlace(env, eventId, tid, newTid);
  } catch {
    return redisUnavailable();
  }
  switch (moved.kind) {
    case "moved": {
      const ticket = await mintTicket(env, eventId, newTid, moved.num);
      const headers = { "set-cookie": cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds) };
      return json({ eventId, ticketNumber: moved.num, ticket, redirect: `/events/${eventId}` }, 200, headers);
    }
    case "admitted":
      return error(409, "ALREADY_ADMITTED", "It is this place's turn: claim it on the device that holds the place, before the claim window ends.");
    case "already":
      return error(409, "PLACE_MOVED", "This link's place has moved to another device since. " + PLACE_MOVED_MESSAGE);
    case "restoring":
      return restoringError();
    case "not-waiting":
      return leftQueue(eventId);
  }
}
