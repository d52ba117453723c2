/** POST /queue/:eventId/claim: an admitted ticket becomes a session and its active token, once. */
import { activeCookieName, mintActive, readTicket, ticketCookieName } from "../auth.ts";
import { bindingOf, proofError, proveBound, readProof } from "../dpop.ts";
import { config, type Env } from "../env.ts";
import { infinitePlace } from "../infinite.ts";
import { cookie, error, json } from "../http.ts";
import { preHold } from "../pre-hold.ts";
import { claimTurn } from "../queue.ts";
import { limit } from "../ratelimit.ts";
import { RESTORING_CLAIM_MESSAGE, restoringError } from "../restoring.ts";
import { noTicket } from "./status.ts";

export async function claim(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const held = await readTicket(request, env, eventId);
  if (!held) return noTicket(eventId);
  // an infinite place's turn never comes
  if (await infinitePlace(env, held.claims.tid)) return notYourTurn();
  const limited = await limit(env, ctx, eventId, "ticket", held.claims.tid);
  if (limited) return limited;
  const boundTo = held.claims.cnf?.jkt ?? null;
  if (boundTo) {
    const refused = await proveBound(env, eventId, await readProof(request, held.token), boundTo, true);
    if (refused) return refused;
  } else if ((await bindingOf(env, eventId)) === "required") {
    return proofError.bindingRequired();
  }
  const { sessionTtlSeconds } = config(env);
  const result = await claimTurn(env, eventId, held.claims.tid, sessionTtlSeconds);
  switch (result.kind) {
    case "claimed": {
      // a place an access code for one tier gave: the session holds only that tier's seats; bound to the ticket's device key; the identity the place was proved with is the session's customer
      const activeToken = await mintActive(env, eventId, result.sid, result.expiresAt, { tier: typeof held.claims.tier === "string" ? held.claims.tier : undefined, jkt: boundTo, cus: held.claims.cus ?? null });
      const headers = new Headers();
      const maxAge = Math.max(1, Math.ceil((result.expiresAt - Date.now()) / 1000));
      headers.append("set-cookie", cookie(request, activeCookieName(eventId), activeToken, maxAge));
      headers.append("set-cookie", cookie(request, ticketCookieName(eventId), "", 0));
      // a choice declared while waiting: its seats are held now, so the sale page opens on them
      const seats = result.choice ? await preHold(request, env, eventId, activeToken, result.choice) : null;
      return json(
        { eventId, activeToken, sessionId: result.sid, expiresAt: new Date(result.expiresAt).toISOString(), redirect: seats && !seats.held ? `/events/${eventId}?seats=none` : `/events/${eventId}`, ...(result.choice ? { choice: result.choice, preHold: seats } : {}) },
        200,
        headers,
      );
    }
    case "still-waiting":
      return notYourTurn();
    case "not-admitted":
      return error(403, "NOT_ADMITTED", "This ticket cannot be claimed: it was never admitted or was already used.");
    case "claim-expired":
      return error(410, "CLAIM_EXPIRED", `Your turn passed before it was claimed; join again at /events/${eventId}.`);
    case "restoring":
      // the admission may be written back by the restore: the turn is kept, not refused
      return restoringError(RESTORING_CLAIM_MESSAGE);
  }
}

const notYourTurn = () => error(409, "NOT_YOUR_TURN", "Your turn has not come yet; keep waiting.");
