/**
 * The waiting list after sell-out. POST /queue/:eventId/waitlist puts a fan who came after
 * the sale sold out (or was refused with LINE_STOPPED) on the list with what they ask for
 * (how many seats, which tier, how to reach them): a signed ticket and a place, one entry per
 * ticket. GET /queue/:eventId/waitlist says where the entry is: its position while it waits,
 * the seats held for the fan and the claim deadline once they are offered (claimed with the
 * ordinary POST /queue/:eventId/claim), or what became of the offer. The origin's leader
 * makes the offers (origin/src/modules/waitlist/keeper.ts).
 */
import { randomId, mintTicket, readTicket, ticketCookieName } from "../auth.ts";
import { WaitlistJoinCode, WaitlistReadCode } from "../../../lua/codes.ts";
import { joinBinding } from "../dpop.ts";
import { config, type Env } from "../env.ts";
import { clientIp, cookie, error, json } from "../http.ts";
import { limit } from "../ratelimit.ts";
import { redisScripts, runScript } from "../redis.ts";
import { RESTORING_NEW_FAN_MESSAGE, restoringError } from "../restoring.ts";
import { noTicket, redisUnavailable } from "./status.ts";

/**
 * How often a page following its entry should ask again (`refreshIntervalSeconds`): often near
 * the head of the list and while an offer is open, seldom further back, so a long list costs
 * the shared Redis a fraction of what polling every entry every 2 s would (each poll is a
 * limiter call and a script call). A fan far back who is offered seats still hears of it well
 * inside the claim window, and by email when they left an address.
 */
export const WAITLIST_POLL = { nearSeconds: 2, farSeconds: 10, nearPlaces: 20 } as const;
export const waitlistPollSeconds = (position: number | null) => (position !== null && position > WAITLIST_POLL.nearPlaces ? WAITLIST_POLL.farSeconds : WAITLIST_POLL.nearSeconds);

/** Most seats one entry may ask for (the event's per-order limit may be lower; the list says so). */
export const WAITLIST_MAX_QUANTITY = 20;
const MAX_BODY = 1024;
const TIER_PATTERN = /^[A-Za-z0-9 _-]{1,32}$/;
/** An address, a number or a handle: printable text without `|` (the Redis record's separator). */
const CONTACT_PATTERN = /^[^\u0000-\u001f\u007f|]{1,200}$/;

export interface WaitlistAsk {
  quantity: number;
  tier?: string;
  contact?: string;
}

const invalid = (message: string) => error(400, "INVALID_BODY", message);

/** The body `{quantity, tier?, contact?}`, checked; a Response is the 400 to send. */
export async function waitlistBody(request: Request): Promise<WaitlistAsk | Response> {
  const shape = `The waiting list takes a JSON object {"quantity": 1-${WAITLIST_MAX_QUANTITY}, "tier"?: "<tier>", "contact"?: "<how to reach you>"}.`;
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY) return invalid(shape);
  const text = await request.text();
  if (text.length > MAX_BODY) return invalid(shape);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid(shape);
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return invalid(shape);
  const b = body as Record<string, unknown>;
  if (Object.keys(b).some((key) => key !== "quantity" && key !== "tier" && key !== "contact")) return invalid(shape);
  const { quantity, tier, contact } = b;
  if (typeof quantity !== "number" || !Number.isInteger(quantity) || quantity < 1 || quantity > WAITLIST_MAX_QUANTITY) return invalid(`quantity must be a whole number from 1 to ${WAITLIST_MAX_QUANTITY}.`);
  if (tier !== undefined && (typeof tier !== "string" || !TIER_PATTERN.test(tier))) return invalid("tier must be a tier name: 1 to 32 letters, digits, spaces, _ or -.");
  if (contact !== undefined && (typeof contact !== "string" || !CONTACT_PATTERN.test(contact))) return invalid("contact must be 1 to 200 printable characters, without |.");
  return { quantity, ...(tier !== undefined ? { tier: tier as string } : {}), ...(contact !== undefined ? { contact: contact as string } : {}) };
}

export async function joinWaitlist(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const ask = await waitlistBody(request);
  if (ask instanceof Response) return ask;
  const limited = await limit(env, ctx, eventId, "waitlist", clientIp(request) ?? "unknown");
  if (limited) return limited;
  // one entry per ticket: a fan who brings one (a place in line, or the list's own) keeps it
  const held = await readTicket(request, env, eventId);
  // where the organiser binds places to the device, so is the list's ticket (its offer is
  // claimed with the same key's proof): a held bound ticket needs its key's proof
  const binding = await joinBinding(env, eventId, request, held);
  if (binding instanceof Response) return binding;
  const tid = held?.claims.tid ?? randomId();
  let result;
  try {
    result = await runScript(env, redisScripts.joinWaitlist, eventId, [tid, ask.quantity, ask.tier ?? "", ask.contact ?? ""]);
  } catch {
    return redisUnavailable();
  }
  switch (result.code) {
    case WaitlistJoinCode.JOINED:
    case WaitlistJoinCode.ALREADY: {
      const ticket = held?.token ?? (await mintTicket(env, eventId, tid, 0, { jkt: binding.jkt }));
      const headers: Record<string, string> = held ? {} : { "set-cookie": cookie(request, ticketCookieName(eventId), ticket, config(env).ticketTtlSeconds) };
      const body = { eventId, ticket, place: result.place, position: result.position, statusUrl: `/queue/${eventId}/waitlist` };
      return json(body, result.code === WaitlistJoinCode.JOINED ? 201 : 200, headers);
    }
    case WaitlistJoinCode.NOT_OPEN:
      return error(409, "WAITLIST_NOT_OPEN", "The waiting list opens when the sale is sold out or the line has stopped; join the line instead.");
    case WaitlistJoinCode.SALE_ENDED:
      return error(410, "SALE_ENDED", "The sale has ended.");
    case WaitlistJoinCode.TOO_MANY:
      return error(400, "TOO_MANY_SEATS", `One order may have at most ${result.place} seats.`);
    case WaitlistJoinCode.RESTORING:
      return restoringError(RESTORING_NEW_FAN_MESSAGE);
    default:
      throw new Error(`joinWaitlist returned unknown code ${result.code}`);
  }
}

export async function waitlistStatus(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const held = await readTicket(request, env, eventId);
  if (!held) return noTicket(eventId);
  const limited = await limit(env, ctx, eventId, "ticket", held.claims.tid);
  if (limited) return limited;
  let r;
  try {
    r = await runScript(env, redisScripts.readWaitlist, eventId, [held.claims.tid]);
  } catch {
    return redisUnavailable();
  }
  const base = { eventId, place: r.place, quantity: r.quantity, tier: r.tier, waiting: r.waiting };
  switch (r.code) {
    case WaitlistReadCode.WAITING:
      return json({ ...base, state: "waiting", position: r.position, refreshIntervalSeconds: waitlistPollSeconds(r.position) });
    case WaitlistReadCode.OFFERED:
      return json({ ...base, state: "offered", seatIds: r.seatIds, claimDeadline: new Date(r.deadline).toISOString(), claimUrl: `/queue/${eventId}/claim`, refreshIntervalSeconds: waitlistPollSeconds(null) });
    case WaitlistReadCode.CLAIMED:
      return json({ ...base, state: "claimed" });
    case WaitlistReadCode.PASSED:
      return json({ ...base, state: "passed" });
    default:
      return error(404, "NOT_ON_WAITLIST", `This ticket is not on the waiting list; join it at POST /queue/${eventId}/waitlist.`);
  }
}
