/** Finding or making a fan's place in line: shared by the page and the JSON join. */
import { mintTicket, readTicket, ticketCookieName } from "../auth.ts";
import { config, type Env } from "../env.ts";
import { clientIp, cookie } from "../http.ts";
import { joinQueue } from "../queue.ts";
import { limit } from "../ratelimit.ts";

export type Place =
  | { kind: "joined" | "waiting"; tid: string; num: number; serving: number; ticket: string; setCookie: string | null }
  | { kind: "admitted"; tid: string; num: number; ticket: string }
  | { kind: "no-queue" | "sale-ended" | "queue-full" };

/**
 * Returns the fan's place, or a response when a new join is rate limited. A fan with a
 * valid ticket keeps their place; anyone else (no ticket, forged, expired, other event,
 * or a ticket whose fan left the line) gets a new place at the back.
 */
export async function findOrMakePlace(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Place | Response> {
  const held = await readTicket(request, env, eventId);
  if (!held) {
    const limited = await limit(env, ctx, eventId, "join", clientIp(request) ?? "unknown");
    if (limited) return limited;
  }
  const result = await joinQueue(env, eventId, held?.claims.tid ?? null);
  switch (result.kind) {
    case "joined": {
      const ticket = await mintTicket(env, eventId, result.tid, result.num);
      return { ...result, ticket, setCookie: cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds) };
    }
    case "waiting": {
      if (held && held.claims.num === result.num) return { ...result, ticket: held.token, setCookie: null };
      const ticket = await mintTicket(env, eventId, result.tid, result.num);
      return { ...result, ticket, setCookie: cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds) };
    }
    case "admitted":
      return { kind: "admitted", tid: result.tid, num: held!.claims.num, ticket: held!.token };
    default:
      return result;
  }
}
