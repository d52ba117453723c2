/** GET /queue/:eventId/status: the stream's data as JSON, for clients that poll. */
import { readTicket } from "../auth.ts";
import type { Env } from "../env.ts";
import { error, json } from "../http.ts";
import { touchTicket } from "../queue.ts";
import { limit } from "../ratelimit.ts";
import { viewFor } from "./view.ts";

export async function status(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const held = await readTicket(request, env, eventId);
  if (!held) return noTicket(eventId);
  const limited = await limit(env, ctx, eventId, "ticket", held.claims.tid);
  if (limited) return limited;
  const where = await touchTicket(env, eventId, held.claims.tid);
  if (where.kind === "waiting") return json({ ...(await viewFor(env, eventId, where.num)), admitted: false });
  if (where.kind === "admitted") {
    return json({
      eventId,
      ticketNumber: held.claims.num,
      inWaitingRoom: false,
      admitted: true,
      claimDeadline: new Date(where.deadline).toISOString(),
      claimUrl: `/queue/${eventId}/claim`,
    });
  }
  return leftQueue(eventId);
}

export const noTicket = (eventId: string) =>
  error(401, "NO_TICKET", `No valid queue ticket for this event; join at POST /queue/${eventId}/join or open /events/${eventId}.`);

export const leftQueue = (eventId: string) =>
  error(410, "LEFT_QUEUE", `This ticket is no longer in line (it left, was used, or its claim window passed); join again at POST /queue/${eventId}/join.`);
