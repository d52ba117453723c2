/** GET /queue/:eventId/status: the stream's data as JSON, for clients that poll. */
import { readTicket } from "../auth.ts";
import { hubFor } from "../hub.ts";
import { infinitePlace, infiniteView } from "../infinite.ts";
import type { Env } from "../env.ts";
import { error, json } from "../http.ts";
import { en } from "../i18n/en.ts";
import { touchTicket } from "../queue.ts";
import { tooManyRequests } from "../ratelimit.ts";
import { restoringView } from "../restoring.ts";
import { refreshIntervalSeconds, viewFor } from "./view.ts";
import { parseChoice, type DeclaredChoice } from "../../../common/choice.ts";
import { eventKeys } from "../../../common/keys.ts";
import { client } from "../redis.ts";

/** The choice a waiting ticket declared (PUT /queue/:eventId/choice), or null. */
export async function declaredChoice(env: Env, eventId: string, tid: string): Promise<DeclaredChoice | null> {
  return parseChoice(await client(env).redis.hget<string>(eventKeys(eventId).choices, tid));
}

export async function status(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const held = await readTicket(request, env, eventId);
  if (!held) return noTicket(eventId);
  const endless = await infinitePlace(env, held.claims.tid);
  if (endless) return infiniteStatus(env, eventId, held.claims.num, endless.position);
  let where: Awaited<ReturnType<typeof touchTicket>>;
  try {
    // the per-ticket limit is applied in the same script call
    where = await touchTicket(env, eventId, held.claims.tid, held.claims.num, true);
  } catch {
    return redisUnavailable();
  }
  if (where.kind === "rate-limited") return tooManyRequests(where.resetAt);
  // the line is being restored: the fan keeps their place, but no position is true yet
  if (where.kind === "restoring") return json(restoringView(eventId, held.claims.num, refreshIntervalSeconds(env)));
  if (where.kind === "waiting") {
    let view;
    try {
      view = await viewFor(env, eventId, where.num);
    } catch {
      return redisUnavailable();
    }
    // the declared choice came with the touch (which applied the limit): a poll is one script call
    return json({ ...view, choice: where.choice, admitted: false });
  }
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
  if (where.kind === "moved") return placeMoved();
  return leftQueue(eventId);
}

/** An infinite place: the line as it is, its position as it was (no Redis call for the ticket). */
async function infiniteStatus(env: Env, eventId: string, num: number, position: number): Promise<Response> {
  const hub = hubFor(eventId);
  let snapshot;
  try {
    snapshot = await hub.ensureFresh(env);
  } catch {
    return redisUnavailable();
  }
  if (snapshot.status === "restoring") return json(restoringView(eventId, num, refreshIntervalSeconds(env)));
  return json({ ...infiniteView(snapshot, eventId, num, position, hub.admitRate(), refreshIntervalSeconds(env)), admitted: false });
}
/** What a device is told once its place moved to another (the resume link opened there). */
export const PLACE_MOVED_MESSAGE = en.page.movedText;

export const placeMoved = () => error(409, "PLACE_MOVED", PLACE_MOVED_MESSAGE);

/** Redis cannot be reached: nothing true can be said about the place, so nothing is (the place is kept). */
export const redisUnavailable = () => error(503, "UNAVAILABLE", "The waiting room is briefly unavailable; you keep your place. Try again in a few seconds.", { "retry-after": "5" });

export const noTicket = (eventId: string) =>
  error(401, "NO_TICKET", `No valid queue ticket for this event; join at POST /queue/${eventId}/join or open /events/${eventId}.`);

export const leftQueue = (eventId: string) =>
  error(410, "LEFT_QUEUE", `This ticket is no longer in line (it left, was used, or its claim window passed); join again at POST /queue/${eventId}/join.`);
