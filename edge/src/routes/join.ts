/** POST /queue/:eventId/join: JSON join for apps and single-page clients. */
import { readTicket } from "../auth.ts";
import { joinBinding } from "../dpop.ts";
import type { Env } from "../env.ts";
import { error, json } from "../http.ts";
import { RESTORING_MESSAGE, RESTORING_NEW_FAN_MESSAGE, restoringError } from "../restoring.ts";
import { findOrMakePlace, type Place } from "./place.ts";

export function placeError(place: Extract<Place, { kind: "no-queue" | "sale-ended" | "queue-full" | "restoring" }>): Response {
  switch (place.kind) {
    case "no-queue":
      return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    case "sale-ended":
      return error(410, "SALE_ENDED", "The sale has ended.");
    case "queue-full":
      return error(503, "QUEUE_FULL", "The waiting room is full; try again in a minute.", { "retry-after": "60" });
    case "restoring":
      return restoringError(place.held ? RESTORING_MESSAGE : RESTORING_NEW_FAN_MESSAGE);
  }
}

export async function join(request: Request, env: Env, eventId: string): Promise<Response> {
  const held = await readTicket(request, env, eventId);
  const binding = await joinBinding(env, eventId, request, held);
  if (binding instanceof Response) return binding;
  const place = await findOrMakePlace(request, env, eventId, held, binding.jkt);
  if (place instanceof Response) return place;
  const headers: Record<string, string> = {};
  switch (place.kind) {
    case "joined":
    case "waiting": {
      if (place.setCookie) headers["set-cookie"] = place.setCookie;
      return json({ ...place.view, ticket: place.ticket, admitted: false }, place.kind === "joined" ? 201 : 200, headers);
    }
    case "admitted":
      return json({ eventId, ticketNumber: place.num, ticket: place.ticket, admitted: true, claimUrl: `/queue/${eventId}/claim` });
    default:
      return placeError(place);
  }
}
