/**
 * POST /queue/:eventId/extend: accessible timing (WCAG 2.2.1). An admitted fan who needs
 * more time to claim their turn asks once, and the claim deadline moves by the event's
 * extensionSeconds, taken from the event's budget of extra time (lua/extendClaim-3.lua:
 * the checks, the take and the move are one step, so a crowd never gets past the budget).
 */
import { EXTENSION_DEFAULTS } from "../../../common/queue-state.ts";
import { ExtendClaimCode } from "../../../lua/codes.ts";
import type { Env } from "../env.ts";
import { error, json } from "../http.ts";
import { redisScripts, runScript } from "../redis.ts";
import { RESTORING_CLAIM_MESSAGE, restoringError } from "../restoring.ts";
import { ticketCaller } from "./ticket-caller.ts";

export async function extendClaim(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const held = await ticketCaller(request, env, ctx, eventId);
  if (held instanceof Response) return held;
  const { code, detail } = await runScript(env, redisScripts.extendClaim, eventId, [held.claims.tid, Date.now(), EXTENSION_DEFAULTS.seconds, EXTENSION_DEFAULTS.budgetMinutes]);
  switch (code) {
    case ExtendClaimCode.EXTENDED:
      return json({ eventId, claimDeadline: new Date(detail).toISOString(), claimUrl: `/queue/${eventId}/claim` });
    case ExtendClaimCode.OFF:
      return error(409, "EXTENSIONS_OFF", "This event gives no extra time.");
    case ExtendClaimCode.ALREADY_EXTENDED:
      return error(409, "ALREADY_EXTENDED", `Your turn already had its extra time; claim it before ${new Date(detail).toISOString()}.`);
    case ExtendClaimCode.BUDGET_USED:
      return error(409, "EXTENSION_BUDGET_USED", "The extra time this event grants is used up; please claim your turn within the time shown.");
    case ExtendClaimCode.NOT_ADMITTED:
      return error(403, "NOT_ADMITTED", "Only an admitted turn that is not claimed yet can get more time.");
    case ExtendClaimCode.CLAIM_EXPIRED:
      return error(410, "CLAIM_EXPIRED", `Your turn passed before it was claimed; join again at /events/${eventId}.`);
    case ExtendClaimCode.RESTORING:
      return restoringError(RESTORING_CLAIM_MESSAGE);
    default:
      throw new Error(`extendClaim returned unknown code ${String(code)}`);
  }
}
