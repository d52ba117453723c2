/**
 * Abuse control with @upstash/ratelimit: organiser (admin) calls and access-code attempts
 * per client IP (fail closed: a limiter that cannot answer in time refuses the call), claims
 * per ticket (fail open: the ticket is already verified and these calls do not change
 * anyone's place; status polls and stream connects count against the same per-ticket
 * record inside the touch script, ./queue.ts, so a poll is one Redis call), addresses for the turn email per ticket and per client IP (fail open too). Limiters and their ephemeral cache live at module scope so a hot
 * isolate blocks a limited caller without asking Redis.
 *
 * New entries on the waiting list are limited per IP like new places (JOIN_LIMIT_PER_MINUTE,
 * fail closed), with a limiter of their own.
 *
 * New places in line are limited per IP too, with the same sliding window on the same
 * keys, but inside the join script (./joins.ts), so a join costs one Redis call and a
 * busy Redis makes a join wait rather than fail.
 */
import { Ratelimit } from "@upstash/ratelimit";
import { eventKeys } from "../../common/keys.ts";
import { config, type Env } from "./env.ts";
import { error } from "./http.ts";
import { client } from "./redis.ts";

type Kind = "ticket" | "admin" | "code" | "mail" | "waitlist";

const ephemeralCache = new Map<string, number>();
const limiters = new Map<string, Ratelimit>();

function limiter(env: Env, eventId: string, kind: Kind): Ratelimit {
  const c = config(env);
  const perMinute = kind === "admin" ? c.adminLimitPerMinute : kind === "code" ? c.codeAttemptsPerMinute : kind === "mail" ? c.turnMailLimitPerMinute : kind === "waitlist" ? c.joinLimitPerMinute : c.ticketLimitPerMinute;
  const id = `${env.UPSTASH_REDIS_REST_URL} ${eventId} ${kind} ${perMinute} ${c.rateLimitTimeoutMs}`;
  let l = limiters.get(id);
  if (!l) {
    l = new Ratelimit({
      redis: client(env).limiterRedis,
      limiter: Ratelimit.slidingWindow(perMinute, "60 s"),
      prefix: eventKeys(eventId).rateLimit(kind),
      ephemeralCache,
      timeout: c.rateLimitTimeoutMs,
      analytics: false,
    });
    limiters.set(id, l);
  }
  return l;
}

function retryAfter(resetMs: number): string {
  return String(Math.max(1, Math.ceil((resetMs - Date.now()) / 1000)));
}

/** The 429 of a caller over its limit, until `resetMs`. */
export const tooManyRequests = (resetMs: number) => error(429, "RATE_LIMITED", "Too many requests; slow down.", { "retry-after": retryAfter(resetMs) });

/** null when the request may go on, else the response to send. */
export async function limit(env: Env, ctx: ExecutionContext, eventId: string, kind: Kind, identifier: string): Promise<Response | null> {
  // admin calls and access codes fail closed: neither a key nor a code may be guessable by retrying
  const failClosed = kind === "admin" || kind === "code" || kind === "waitlist";
  let result;
  try {
    result = await limiter(env, eventId, kind).limit(identifier);
  } catch {
    return failClosed ? error(503, "RATE_LIMIT_UNAVAILABLE", "The waiting room is busy; try again in a few seconds.", { "retry-after": "5" }) : null;
  }
  ctx.waitUntil(result.pending);
  if (result.reason === "timeout") {
    return failClosed ? error(503, "RATE_LIMIT_UNAVAILABLE", "The waiting room is busy; try again in a few seconds.", { "retry-after": "5" }) : null;
  }
  if (!result.success) {
    return tooManyRequests(result.reset);
  }
  return null;
}
