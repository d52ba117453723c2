/** POST /queue/:eventId/claim: an admitted ticket becomes a session and its active token, once. */
import { activeCookieName, mintActive, ticketCookieName } from "../auth.ts";
import { config, type Env } from "../env.ts";
import { infinitePlace } from "../infinite.ts";
import { cookie, error, json } from "../http.ts";
import { preHold } from "../pre-hold.ts";
import { claimTurn } from "../queue.ts";
import { RESTORING_CLAIM_MESSAGE, restoringError } from "../restoring.ts";
import { ticketCaller } from "./ticket-caller.ts";

export async function claim(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  // an infinite place's turn never comes
  const held = await ticketCaller(request, env, ctx, eventId, async (tid) => ((await infinitePlace(env, tid)) ? notYourTurn() : null));
  if (held instanceof Response) return held;
  const boundTo = held.claims.cnf?.jkt ?? null;
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
