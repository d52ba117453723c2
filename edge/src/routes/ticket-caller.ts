/**
 * The start every ticket holder's POST shares (declaring a choice, asking for more time):
 * a valid ticket of the event, within its per-ticket limit, proven by the device its place
 * is bound to, or refused in a sale whose deviceBinding is `required` when it is bound to
 * none. Answers the ticket, or the Response to send. `refuse`: a route's own refusal of a
 * valid ticket, asked before its limit is spent (the claim's: an infinite place).
 */
import { readTicket } from "../auth.ts";
import { bindingOf, proofError, proveBound, readProof } from "../dpop.ts";
import type { Env } from "../env.ts";
import { limit } from "../ratelimit.ts";
import { noTicket } from "./status.ts";

export async function ticketCaller(request: Request, env: Env, ctx: ExecutionContext, eventId: string, refuse?: (tid: string) => Promise<Response | null>) {
  const held = await readTicket(request, env, eventId);
  if (!held) return noTicket(eventId);
  const refused = refuse ? await refuse(held.claims.tid) : null;
  if (refused) return refused;
  const limited = await limit(env, ctx, eventId, "ticket", held.claims.tid);
  if (limited) return limited;
  const boundTo = held.claims.cnf?.jkt ?? null;
  if (boundTo) {
    const unproven = await proveBound(env, eventId, await readProof(request, held.token), boundTo, true);
    if (unproven) return unproven;
  } else if ((await bindingOf(env, eventId)) === "required") {
    return proofError.bindingRequired();
  }
  return held;
}
