/**
 * GET /events/:eventId: fans with a valid active token get the sale page (which talks to
 * the origin through /api/*); everyone else gets the waiting room, joining the line first
 * if they hold no ticket.
 */
import { activeCookieName, mintActive, readActive, readTicket, ticketCookieName } from "../auth.ts";
import { config } from "../env.ts";
import { cookie } from "../http.ts";
import { claimTurn, touchTicket } from "../queue.ts";
import { bindingOf } from "../dpop.ts";
import { hubFor } from "../hub.ts";
import type { Env } from "../env.ts";
import { htmlResponse as html } from "../html.ts";
import { accessCodePage, messagePage, waitingRoomPage } from "../page.ts";
import { RESTORING_RETRY_SECONDS } from "../restoring.ts";
import { salePage } from "../sale-page.ts";
import { PAGE_CSP } from "../html.ts";
import { resumeCode, resumePath } from "../resume.ts";
import type { ChallengeMode } from "../../../common/queue-state.ts";
import { LINE_STOPPED_MESSAGE } from "./join.ts";
import { findOrMakePlace, type Place } from "./place.ts";
import { PLACE_MOVED_MESSAGE } from "./status.ts";

/** Where Turnstile's widget comes from: the page that shows it lets that origin run its script and frame. */
export const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

const turnstileKey = (env: Env, mode: ChallengeMode | undefined) => (mode === "turnstile" ? (env.TURNSTILE_SITE_KEY?.trim() ?? "") : null);

/** The waiting room page; with Turnstile on, its policy also lets the widget's script and frame in (nothing else). */
function waitingRoom(env: Env, body: string, mode: ChallengeMode | undefined, status = 200, headers: Record<string, string> = {}): Response {
  if (mode !== "turnstile") return html(body, status, headers);
  const csp = PAGE_CSP.replace("script-src 'self'", `script-src 'self' ${TURNSTILE_ORIGIN}`).replace("default-src 'none'", `default-src 'none'; frame-src ${TURNSTILE_ORIGIN}`);
  return html(body, status, { ...headers, "content-security-policy": csp });
}

/**
 * Whether the fan's ticket gave its place to another device (the resume link): such a page
 * says so instead of taking a new place at the back. One touch, only for a fan with a ticket.
 */
async function placeMoved(request: Request, env: Env, eventId: string): Promise<boolean> {
  const held = await readTicket(request, env, eventId);
  if (!held) return false;
  return (await touchTicket(env, eventId, held.claims.tid, held.claims.num).catch(() => null))?.kind === "moved";
}

/**
 * A fan standby let straight through goes to the sale: the turn is claimed here and the
 * answer is a redirect to the same address carrying the active token, which then serves
 * the sale page. Should the claim not go (it cannot fail for a fresh admission but for a
 * lost line), the waiting page gets the ticket and its script claims as for any turn.
 */
async function straightToSale(request: Request, env: Env, eventId: string, place: Extract<Place, { kind: "passed" }>): Promise<Response> {
  const claimed = (await bindingOf(env, eventId)) === "required" ? null : await claimTurn(env, eventId, place.tid, config(env).sessionTtlSeconds);
  if (claimed?.kind !== "claimed") return html(waitingRoomPage(eventId, null), 200, { "set-cookie": place.setCookie });
  const activeToken = await mintActive(env, eventId, claimed.sid, claimed.expiresAt, { tier: place.tier ?? undefined });
  const headers = new Headers({ location: `/events/${encodeURIComponent(eventId)}`, "cache-control": "no-store" });
  headers.append("set-cookie", cookie(request, activeCookieName(eventId), activeToken, Math.max(1, Math.ceil((claimed.expiresAt - Date.now()) / 1000))));
  headers.append("set-cookie", cookie(request, ticketCookieName(eventId), "", 0));
  return new Response(null, { status: 303, headers });
}

export async function page(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const active = await readActive(request, env, eventId);
  if (active) return html(salePage(eventId));

  if (await placeMoved(request, env, eventId)) return html(messagePage("Your place moved to another device", PLACE_MOVED_MESSAGE), 409);
  let place: Awaited<ReturnType<typeof findOrMakePlace>>;
  try {
    // a place bound to the device (or to be bound) is joined by the page's script, which
    // holds the key and signs the join: the page itself cannot prove anything
    const held = await readTicket(request, env, eventId);
    const mode = held?.claims.cnf ? "bound" : await bindingOf(env, eventId);
    if (mode !== "off" && !(held && !held.claims.cnf)) {
      // the event's name and venue for the page; the join comes after, from the script
      const snapshot = await hubFor(eventId).ensureFresh(env);
      if (snapshot.status !== "restoring" || held) {
        return html(waitingRoomPage(eventId, null, snapshot.about, false, { deviceBinding: mode === "bound" ? snapshot.deviceBinding : mode, joining: true }));
      }
    }
    place = await findOrMakePlace(request, env, eventId, { page: true, held });
  } catch (e) {
    // Redis cannot be reached: a page a person can read, and a browser that retries
    console.error("waiting room page: the line cannot be reached", e);
    return html(messagePage("Please wait a moment", "The waiting room is briefly unavailable. This page will let you in shortly; refresh in a few seconds."), 503, { "retry-after": "5" });
  }
  if (place instanceof Response) {
    const retry = place.headers.get("retry-after") ?? "5";
    return html(messagePage("Please wait a moment", "Too many people are arriving at once from your network. This page will let you in shortly; refresh in a few seconds."), place.status, { "retry-after": retry });
  }
  switch (place.kind) {
    case "joined":
    case "waiting": {
      const headers: Record<string, string> = place.setCookie ? { "set-cookie": place.setCookie } : {};
      const resume = resumePath(eventId, await resumeCode(env, eventId, place.tid));
      // the organiser's queueing status code (200, 202 or 429), for clients that read the status
      const status = (await hubFor(eventId).ensureFresh(env)).queueingStatusCode;
      return waitingRoom(env, waitingRoomPage(eventId, place.view, place.about, false, { challenge: place.challenge, turnstileSiteKey: turnstileKey(env, place.challenge), resumePath: resume }), place.challenge, status, headers);
    }
    case "admitted":
      return html(waitingRoomPage(eventId, null));
    case "passed":
      return straightToSale(request, env, eventId, place);
    case "restoring":
      // a fan with a ticket keeps their place: the waiting room, saying the line is being
      // restored, whose stream reconnects and shows the position once it is back
      if (place.held) return html(waitingRoomPage(eventId, null, null, true));
      return html(messagePage("Please wait a moment", "We are restoring the waiting room. This page will let you in shortly; refresh in a few seconds."), 503, { "retry-after": String(RESTORING_RETRY_SECONDS) });
    case "challenge":
      // the event asks a challenge before a new place: the page solves it (or shows the Turnstile widget), then joins
      return waitingRoom(env, waitingRoomPage(eventId, null, null, false, { challenge: place.mode, solveFirst: true, turnstileSiteKey: turnstileKey(env, place.mode) }), place.mode);
    case "no-queue":
      return html(messagePage("Event not found", "There is no sale for this event."), 404);
    case "sale-ended":
      return html(messagePage("Sale ended", "This sale has ended. Thank you for your patience."), 410);
    case "invite-only":
      return html(accessCodePage(eventId), 403);
    case "queue-full":
      return html(messagePage("The waiting room is full", "Too many fans are waiting right now. Please try again in a minute."), 503, { "retry-after": "60" });
    case "line-stopped":
      return html(messagePage("Tickets are unlikely now", LINE_STOPPED_MESSAGE), 409);
  }
}
