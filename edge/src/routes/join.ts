/** POST /queue/:eventId/join: JSON join for apps and single-page clients. */
import { readTicket } from "../auth.ts";
import { joinBinding } from "../dpop.ts";
import type { Env } from "../env.ts";
import { error, json } from "../http.ts";
import { en } from "../i18n/en.ts";
import { RESTORING_MESSAGE, RESTORING_NEW_FAN_MESSAGE, restoringError } from "../restoring.ts";
import { findOrMakePlace, type ChallengeReason, type Place } from "./place.ts";

const CHALLENGE_WORDS: Record<ChallengeReason, string> = {
  missing: "This sale asks a short proof-of-work before a new place: solve the challenge from GET /queue/{eventId}/challenge and join with its solution in X-Challenge-Solution.",
  malformed: "The challenge solution could not be read: send the ALTCHA payload (base64 JSON) in X-Challenge-Solution.",
  invalid: "The challenge solution is not one this waiting room issued, or it is not solved.",
  expired: "The challenge expired before it was used: solve a new one.",
  "other-event": "The challenge solution is for another event.",
  spent: "This challenge solution was used already: each one buys one place. Solve a new one.",
  "too-easy": "Many new places came from your network just now: solve a harder challenge (GET /queue/{eventId}/challenge).",
};

/** A join whose challenge did not do: 403, `CHALLENGE_HARDER` with the difficulty needed, else `CHALLENGE_REQUIRED` (none sent) or `CHALLENGE_FAILED`. */
export function challengeError(eventId: string, reason: ChallengeReason, difficulty?: number): Response {
  const message = CHALLENGE_WORDS[reason].replaceAll("{eventId}", eventId);
  const headers = { "x-challenge-difficulty": String(reason === "too-easy" ? (difficulty ?? 0) : 0) };
  if (reason === "too-easy") return error(403, "CHALLENGE_HARDER", message, headers);
  return error(403, reason === "missing" ? "CHALLENGE_REQUIRED" : "CHALLENGE_FAILED", message, headers);
}

/** What a fan who comes when the line has stopped is told. */
export const LINE_STOPPED_MESSAGE = en.page.stoppedText;

/** Where a fan the line cannot take may leave a request instead: the waiting list (routes/waitlist.ts). */
export const waitlistPath = (eventId: string) => `/queue/${eventId}/waitlist`;

export function placeError(place: Extract<Place, { kind: "no-queue" | "sale-ended" | "queue-full" | "line-stopped" | "restoring" | "invite-only" | "identity-required" | "identity-in-line" }>, eventId: string): Response {
  switch (place.kind) {
    case "identity-required":
      return error(
        403,
        "IDENTITY_REQUIRED",
        place.reason === "missing"
          ? "This sale asks who you are before a new place: verify an email (POST /queue/{eventId}/identity/email) or a passkey, and join with the proof as identityProof."
          : "The identity proof is not valid for this sale (forged, expired, another event's, or a kind the sale does not take): verify again.",
      );
    case "identity-in-line":
      return error(409, "IDENTITY_IN_LINE", "This identity already holds a place in this line: keep that one (one place per person).");
    case "invite-only":
      return error(403, "INVITE_ONLY", "This sale is for invited fans only: join with your access code.");
    case "no-queue":
      return error(404, "NO_SUCH_EVENT", "There is no waiting room for this event.");
    case "sale-ended":
      // sold out or closed: a sold-out sale keeps a waiting list (joinWaitlist says which)
      return json({ code: "SALE_ENDED", message: `The sale has ended. If it sold out, the waiting list is open: POST ${waitlistPath(eventId)}.`, waitlistUrl: waitlistPath(eventId) }, 410);
    case "queue-full":
      return error(503, "QUEUE_FULL", "The waiting room is full; try again in a minute.", { "retry-after": "60" });
    case "line-stopped":
      return json({ code: "LINE_STOPPED", message: LINE_STOPPED_MESSAGE, waitlistUrl: waitlistPath(eventId) }, 409);
    case "restoring":
      return restoringError(place.held ? RESTORING_MESSAGE : RESTORING_NEW_FAN_MESSAGE);
  }
}

/** The largest join body read: `{"accessCode": "...", "identityProof": "..."}` needs far less. */
const MAX_JOIN_BODY = 2048;

/** The join's optional body: none, or `{ accessCode, identityProof }` (each optional); a Response is the 400 to send. */
async function joinBody(request: Request): Promise<{ accessCode?: unknown; identityProof?: string } | Response> {
  const invalid = () => error(400, "INVALID_BODY", 'The join takes no body, or a JSON object {"accessCode": "<code>", "identityProof": "<proof>"} (each optional).');
  const length = request.headers.get("content-length");
  if (Number(length ?? "0") > MAX_JOIN_BODY) return invalid();
  // most joins send no body: nothing to read (a crowd's joins are CPU-bound at the edge)
  if (length === "0" || request.body === null) return {};
  const text = await request.text();
  if (text.trim() === "") return {};
  if (text.length > MAX_JOIN_BODY) return invalid();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid();
  }
  if (!body || typeof body !== "object" || Array.isArray(body) || Object.keys(body).some((k) => k !== "accessCode" && k !== "identityProof")) return invalid();
  const { accessCode, identityProof } = body as { accessCode?: unknown; identityProof?: unknown };
  if (accessCode !== undefined && typeof accessCode !== "string") return invalid();
  if (identityProof !== undefined && (typeof identityProof !== "string" || identityProof.length > 1500)) return invalid();
  return { ...(accessCode === undefined ? {} : { accessCode }), ...(identityProof === undefined ? {} : { identityProof }) };
}

export async function join(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const body = await joinBody(request);
  if (body instanceof Response) return body;
  const held = await readTicket(request, env, eventId);
  const binding = await joinBinding(env, eventId, request, held);
  if (binding instanceof Response) return binding;
  const access = body.accessCode === undefined ? undefined : { ctx, code: body.accessCode };
  const place = await findOrMakePlace(request, env, eventId, { access, held, jkt: binding.jkt, identityProof: body.identityProof });
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
    case "passed":
      // standby let the fan straight through: a new ticket whose turn is already here
      return json({ eventId, ticketNumber: place.num, ticket: place.ticket, admitted: true, claimUrl: `/queue/${eventId}/claim` }, 201, { "set-cookie": place.setCookie });
    case "challenge":
      return challengeError(eventId, place.reason, place.difficulty);
    default:
      return placeError(place, eventId);
  }
}
