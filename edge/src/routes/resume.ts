/**
 * The resume link: GET /queue/:eventId/resume/:code shows a page that asks before moving
 * anything (a link preview or a prefetch moves no place); POST to the same path moves the
 * waiting place to this device: a fresh ticket for the same number, set as this browser's
 * ticket cookie. The latest device to open the link holds the place; the one that held it
 * is told (its stream's `moved` event, PLACE_MOVED on its next call). The new ticket keeps
 * the identity the place was proved with (`cus`) and the seat tier its access code unlocked
 * (`tier`), both sealed into the link (../resume.ts), and is bound
 * to the new device's own key when the POST carries a DPoP proof (the resume page's script
 * makes the key in a sale that binds places): in a `required` sale a POST without one
 * moves nothing (403 DEVICE_BINDING_REQUIRED), so a moved place can always claim.
 */
import { mintTicket, randomId, ticketCookieName } from "../auth.ts";
import { bindingOf, joinBinding } from "../dpop.ts";
import { config, type Env } from "../env.ts";
import { cookie, error, json } from "../http.ts";
import { htmlResponse as html } from "../html.ts";
import { en } from "../i18n/en.ts";
import { chooseLanguage } from "../i18n/index.ts";
import { messagePage, resumePage } from "../page.ts";
import { movePlace } from "../queue.ts";
import { limit } from "../ratelimit.ts";
import { restoringError } from "../restoring.ts";
import { readResumeCode } from "../resume.ts";
import { leftQueue, PLACE_MOVED_MESSAGE, redisUnavailable } from "./status.ts";

const INVALID_MESSAGE = en.page.resumeInvalidText;

/** The page in the fan's language (edge/src/i18n), like the waiting room's. */
export async function resumeConfirm(request: Request, env: Env, eventId: string, code: string): Promise<Response> {
  const l = chooseLanguage(request);
  const res = (await readResumeCode(env, eventId, code)) ? html(resumePage(eventId, await bindingOf(env, eventId), l)) : html(messagePage(l.t.page.resumeInvalidTitle, l.t.page.resumeInvalidText, l), 404);
  if (l.setCookie) res.headers.append("set-cookie", l.setCookie);
  return res;
}

export async function resume(request: Request, env: Env, ctx: ExecutionContext, eventId: string, code: string): Promise<Response> {
  const place = await readResumeCode(env, eventId, code);
  if (!place) return error(404, "RESUME_LINK_INVALID", INVALID_MESSAGE);
  const limited = await limit(env, ctx, eventId, "ticket", place.tid);
  if (limited) return limited;
  const newTid = randomId();
  let moved: Awaited<ReturnType<typeof movePlace>>;
  let binding: Awaited<ReturnType<typeof joinBinding>>;
  try {
    // the new device's key, as at a join: refused before anything moves
    binding = await joinBinding(env, eventId, request, null);
    if (binding instanceof Response) return binding;
    moved = await movePlace(env, eventId, place.tid, newTid, place.cus);
  } catch {
    return redisUnavailable();
  }
  switch (moved.kind) {
    case "moved": {
      const ticket = await mintTicket(env, eventId, newTid, moved.num, { cus: place.cus, tier: place.tier, jkt: binding.jkt });
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
