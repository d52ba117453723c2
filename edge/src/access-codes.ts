/**
 * Redeeming an access code for a new place in line (the JSON join's `accessCode`, or the
 * waiting page's code field, which sends it there). In order, so that a code never gives
 * more places than its uses, even when Redis lost the line or came back older:
 *
 * 1. the client IP's attempts are limited (CODE_ATTEMPTS_PER_MINUTE, fail closed);
 * 2. redeemAccessCode (Redis, atomic) takes one use for a fresh ticket id: of many fans
 *    racing with one code only as many as it has uses pass;
 * 3. the origin records the redemption in MySQL under the code's row lock, the record,
 *    before any place is given (when Redis had no codes, MySQL alone decides, and the
 *    origin writes them back into Redis);
 * 4. the caller joins with that ticket id, marked invited. A refused join gives the use
 *    back (origin, then Redis); should that fail, the use stays spent: never given twice.
 */
import { accessCodeHash, normalizeAccessCode } from "../../common/access.ts";
import { RedeemCode } from "../../lua/codes.ts";
import { randomId } from "./auth.ts";
import type { Env } from "./env.ts";
import { clientIp, error } from "./http.ts";
import { ORIGIN_AUTH_HEADER, REQUEST_ID_HEADER } from "./proxy.ts";
import { limit } from "./ratelimit.ts";
import { redisScripts, runScript } from "./redis.ts";

/** A code that was redeemed for `tid`; `undo` gives the use back when the place was not given. */
export interface Redeemed {
  tid: string;
  tier: string | null;
  undo(): Promise<void>;
}

const REFUSALS: Partial<Record<number, [code: string, message: string]>> = {
  [RedeemCode.UNKNOWN]: ["ACCESS_CODE_INVALID", "This access code is not valid for this event."],
  [RedeemCode.USED_UP]: ["ACCESS_CODE_USED_UP", "This access code has been used as many times as it allows."],
  [RedeemCode.NOT_YET]: ["ACCESS_CODE_NOT_VALID_NOW", "This access code is not valid yet."],
  [RedeemCode.EXPIRED]: ["ACCESS_CODE_NOT_VALID_NOW", "This access code is no longer valid."],
};

/** The edge's own call to the origin: X-Origin-Auth and a request id, nothing of the fan's. */
function originCall(env: Env, method: string, path: string, body?: unknown): Promise<Response> {
  const headers = new Headers({ [REQUEST_ID_HEADER]: crypto.randomUUID() });
  const originAuth = env.ORIGIN_AUTH_SECRET?.split(",")[0]?.trim();
  if (originAuth) headers.set(ORIGIN_AUTH_HEADER, originAuth);
  if (body !== undefined) headers.set("content-type", "application/json");
  return fetch(new URL(path, env.ORIGIN_URL), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Redeems `raw` for a new place; a Response is the refusal to send. */
export async function redeemForJoin(request: Request, env: Env, ctx: ExecutionContext, eventId: string, raw: unknown): Promise<Redeemed | Response> {
  const limited = await limit(env, ctx, eventId, "code", clientIp(request) ?? "unknown");
  if (limited) return limited;
  const code = normalizeAccessCode(raw);
  if (!code) return error(403, "ACCESS_CODE_INVALID", "This access code is not valid for this event.");
  const codeHash = await accessCodeHash(eventId, code);
  const tid = randomId();
  const gate = await runScript(env, redisScripts.redeemAccessCode, eventId, [Date.now(), tid], [], { codeHash });
  const refusal = REFUSALS[gate.code];
  if (refusal) return error(403, refusal[0], refusal[1]);
  const releaseRedis = async () => {
    if (gate.code === RedeemCode.REDEEMED) await runScript(env, redisScripts.releaseAccessCode, eventId, [tid], [], { codeHash });
  };
  let recorded: Response;
  try {
    recorded = await originCall(env, "POST", `/edge/events/${eventId}/access-codes/redemptions`, { codeHash, ticketId: tid });
  } catch {
    await releaseRedis().catch(() => {});
    return error(503, "ORIGIN_UNREACHABLE", "The ticket service cannot be reached to check your code; try again shortly.", { "retry-after": "5" });
  }
  if (recorded.status !== 201) {
    await releaseRedis().catch(() => {});
    const body = (await recorded.json().catch(() => null)) as { code?: string; message?: string } | null;
    if (recorded.status === 403 && body?.code?.startsWith("ACCESS_CODE_")) return error(403, body.code, body.message ?? "This access code cannot be used.");
    return error(503, "ACCESS_CODE_UNAVAILABLE", "Your code cannot be checked right now; try again shortly.", { "retry-after": "5" });
  }
  const { tier } = (await recorded.json()) as { tier: string | null };
  return {
    tid,
    tier,
    undo: async () => {
      const res = await originCall(env, "DELETE", `/edge/events/${eventId}/access-codes/redemptions/${tid}`);
      if (res.ok) await releaseRedis();
    },
  };
}
