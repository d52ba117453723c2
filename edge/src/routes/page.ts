/**
 * GET /events/:eventId: fans with a valid active token get the sale page (which talks to
 * the origin through /api/*); everyone else gets the waiting room, joining the line first
 * if they hold no ticket.
 */
import { readActive, readTicket } from "../auth.ts";
import { bindingOf } from "../dpop.ts";
import { hubFor } from "../hub.ts";
import type { Env } from "../env.ts";
import { htmlResponse as html } from "../html.ts";
import { messagePage, waitingRoomPage } from "../page.ts";
import { RESTORING_RETRY_SECONDS } from "../restoring.ts";
import { salePage } from "../sale-page.ts";
import { findOrMakePlace } from "./place.ts";

export async function page(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const active = await readActive(request, env, eventId);
  if (active) return html(salePage(eventId));

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
    place = await findOrMakePlace(request, env, eventId, held);
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
      return html(waitingRoomPage(eventId, place.view, place.about), 200, headers);
    }
    case "admitted":
      return html(waitingRoomPage(eventId, null));
    case "restoring":
      // a fan with a ticket keeps their place: the waiting room, saying the line is being
      // restored, whose stream reconnects and shows the position once it is back
      if (place.held) return html(waitingRoomPage(eventId, null, null, true));
      return html(messagePage("Please wait a moment", "We are restoring the waiting room. This page will let you in shortly; refresh in a few seconds."), 503, { "retry-after": String(RESTORING_RETRY_SECONDS) });
    case "no-queue":
      return html(messagePage("Event not found", "There is no sale for this event."), 404);
    case "sale-ended":
      return html(messagePage("Sale ended", "This sale has ended. Thank you for your patience."), 410);
    case "queue-full":
      return html(messagePage("The waiting room is full", "Too many fans are waiting right now. Please try again in a minute."), 503, { "retry-after": "60" });
  }
}
