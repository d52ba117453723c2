/** The waiting line's per-ticket operations on Redis, one script call each (joins: ./joins.ts). */
import { parseChoice, type DeclaredChoice } from "../../common/choice.ts";
import { sessionIdFor } from "../../common/tokens.ts";
import { ClaimCode, MoveCode, TouchCode } from "../../lua/codes.ts";
import { BlockList } from "./block-list.ts";
import { config, type Env } from "./env.ts";
import { JOIN_WINDOW_MS, joinLimitKeys } from "./joins.ts";
import { redisScripts, runScript } from "./redis.ts";
import { eventKeys } from "../../common/keys.ts";

/** `choice`: what a waiting fan declared they want (PUT /queue/:eventId/choice), read in the same call. */
export type TouchResult =
  | { kind: "waiting"; num: number; choice: DeclaredChoice | null }
  | { kind: "admitted"; deadline: number }
  | { kind: "unknown" }
  | { kind: "restoring" }
  | { kind: "moved"; at: number }
  /** the ticket used its calls of the window (TICKET_LIMIT_PER_MINUTE): nothing was touched */
  | { kind: "rate-limited"; resetAt: number };

/** Tickets the poll limiter refused, per event, in this isolate: answered again without Redis until their window resets. */
const limitedTickets = new Map<string, BlockList>();

/**
 * Marks the fan present; a ticket whose number a restore kept in `lost` is put back at it
 * (answered as waiting). `limited`: the call is a status poll or a stream's connect, which
 * count against the ticket's limit (TICKET_LIMIT_PER_MINUTE, the `ticket` limiter's sliding
 * window and keys, ./ratelimit.ts) in the same script call.
 */
export async function touchTicket(env: Env, eventId: string, tid: string, num: number, limited = false): Promise<TouchResult> {
  const now = Date.now();
  let blocked = limitedTickets.get(eventId);
  if (limited) {
    const until = blocked?.blockedUntil(tid, now) ?? null;
    if (until !== null) return { kind: "rate-limited", resetAt: until };
  }
  const args = [tid, now, num, ...(limited ? [config(env).ticketLimitPerMinute, JOIN_WINDOW_MS] : [])];
  const buckets = limited ? joinLimitKeys(eventKeys(eventId).rateLimit("ticket"), tid, now) : [];
  const { code, value, choice } = await runScript(env, redisScripts.touchTicket, eventId, args, buckets);
  if (code === TouchCode.RATE_LIMITED) {
    if (!blocked) limitedTickets.set(eventId, (blocked = new BlockList()));
    blocked.block(tid, value);
    return { kind: "rate-limited", resetAt: value };
  }
  if (code === TouchCode.WAITING) return { kind: "waiting", num: value, choice: parseChoice(choice) };
  if (code === TouchCode.ADMITTED) return { kind: "admitted", deadline: value };
  if (code === TouchCode.RESTORING) return { kind: "restoring" };
  if (code === TouchCode.MOVED) return { kind: "moved", at: value };
  return { kind: "unknown" };
}

export type MoveResult = { kind: "moved"; num: number } | { kind: "admitted"; deadline: number } | { kind: "restoring" } | { kind: "already"; at: number } | { kind: "not-waiting" };

/** How long a move is remembered, so the old device is told: as long as a ticket can live. */
const MOVED_KEPT_MS = 24 * 60 * 60 * 1000;

/** Moves the waiting place of ticket `tid` to the fresh ticket id `newTid` (the resume link), with the identity it was proved as (`cus`); the latest move wins. */
export async function movePlace(env: Env, eventId: string, tid: string, newTid: string, cus: string | null = null): Promise<MoveResult> {
  const { code, value } = await runScript(env, redisScripts.movePlace, eventId, [tid, newTid, Date.now(), MOVED_KEPT_MS, cus ?? ""]);
  switch (code) {
    case MoveCode.MOVED:
      return { kind: "moved", num: value };
    case MoveCode.ADMITTED:
      return { kind: "admitted", deadline: value };
    case MoveCode.RESTORING:
      return { kind: "restoring" };
    case MoveCode.ALREADY:
      return { kind: "already", at: value };
    default:
      return { kind: "not-waiting" };
  }
}

export type ClaimResult = { kind: "claimed"; sid: string; expiresAt: number; choice: DeclaredChoice | null } | { kind: "still-waiting" | "not-admitted" | "claim-expired" | "restoring" };

export async function claimTurn(env: Env, eventId: string, tid: string, sessionTtlSeconds: number): Promise<ClaimResult> {
  // derived from the ticket: a ticket claimed again after Redis lost the claim is the same session
  const sid = await sessionIdFor(tid);
  // an admin's per-event session length (queue state) wins over the default inside the script
  const { code, expiresAt, choice } = await runScript(env, redisScripts.claimTurn, eventId, [tid, sid, Date.now(), sessionTtlSeconds * 1000]);
  switch (code) {
    case ClaimCode.CLAIMED:
      return { kind: "claimed", sid, expiresAt, choice: parseChoice(choice) };
    case ClaimCode.STILL_WAITING:
      return { kind: "still-waiting" };
    case ClaimCode.NOT_ADMITTED:
      return { kind: "not-admitted" };
    case ClaimCode.CLAIM_EXPIRED:
      return { kind: "claim-expired" };
    case ClaimCode.RESTORING:
      return { kind: "restoring" };
    default:
      throw new Error(`claimTurn returned unknown code ${code}`);
  }
}
