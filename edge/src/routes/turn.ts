/**
 * The turn link of the turn email (edge/src/turn-link.ts): GET /queue/:eventId/turn/:code
 * shows a page that asks before claiming (a mail scanner or a link preview claims nothing)
 * and says how long is left; POST to the same path claims the turn (claimTurn-6.lua, as the
 * waiting page's claim) and sets the active token, so the page opens the sale. The claim
 * happens once: a second use, a passed claim window, another event's or a forged code are
 * refused with a page (GET) or `{code, message}` (POST) that says which.
 */
import { sessionIdFor } from "../../../common/tokens.ts";
import { eventKeys } from "../../../common/keys.ts";
import { activeCookieName, mintActive, ticketCookieName } from "../auth.ts";
import { config, type Env } from "../env.ts";
import { cookie, error, json } from "../http.ts";
import { htmlResponse as html } from "../html.ts";
import { chooseLanguage, type Language } from "../i18n/index.ts";
import { messagePage, turnLinkPage } from "../page.ts";
import { claimTurn } from "../queue.ts";
import { limit } from "../ratelimit.ts";
import { client } from "../redis.ts";
import { restoringError } from "../restoring.ts";
import { readTurnLinkCode } from "../turn-link.ts";
import { redisUnavailable } from "./status.ts";

type LinkState = { kind: "open"; deadline: number } | { kind: "used" | "expired" | "waiting" };

/** Where the ticket of a link stands, read only: admitted (until when), claimed (its session is live), still waiting, or past. */
async function linkState(env: Env, eventId: string, tid: string): Promise<LinkState> {
  const k = eventKeys(eventId);
  const p = client(env).redis.pipeline();
  p.zscore(k.admitted, tid);
  p.zscore(k.active, await sessionIdFor(tid));
  p.zscore(k.queue, tid);
  const [deadline, session, waiting] = (await p.exec()) as Array<string | number | null>;
  const now = Date.now();
  if (deadline !== null && deadline !== undefined) return Number(deadline) >= now ? { kind: "open", deadline: Number(deadline) } : { kind: "expired" };
  if (session !== null && session !== undefined && Number(session) > now) return { kind: "used" };
  if (waiting !== null && waiting !== undefined) return { kind: "waiting" };
  return { kind: "expired" };
}

function refusalPage(l: Language, eventId: string, kind: "invalid" | "used" | "expired" | "waiting" | "device"): Response {
  const p = l.t.page;
  const [title, text, status] = {
    invalid: [p.turnInvalidTitle, p.turnInvalidText, 404],
    used: [p.turnUsedTitle, p.turnUsedText, 409],
    expired: [p.turnExpiredTitle, p.turnExpiredText, 410],
    waiting: [p.turnNotYetTitle, p.turnNotYetText, 409],
    device: [p.turnDeviceTitle, p.turnDeviceText, 409],
  }[kind] as [string, string, number];
  return html(messagePage(title, text.replace("{link}", `/events/${eventId}`), l), status);
}

export async function turnLinkConfirm(request: Request, env: Env, eventId: string, code: string): Promise<Response> {
  const l = chooseLanguage(request);
  const link = await readTurnLinkCode(env, eventId, code);
  let res: Response;
  if (!link) res = refusalPage(l, eventId, "invalid");
  else if (link.mode === "d") res = refusalPage(l, eventId, "device");
  else {
    let state: LinkState;
    try {
      state = await linkState(env, eventId, link.tid);
    } catch {
      return redisUnavailable();
    }
    res = state.kind === "open" ? html(turnLinkPage(eventId, state.deadline, l)) : refusalPage(l, eventId, state.kind);
  }
  if (l.setCookie) res.headers.append("set-cookie", l.setCookie);
  return res;
}

export async function turnLinkClaim(request: Request, env: Env, ctx: ExecutionContext, eventId: string, code: string): Promise<Response> {
  const link = await readTurnLinkCode(env, eventId, code);
  if (!link) return error(404, "TURN_LINK_INVALID", "This is not a turn link of this event.");
  if (link.mode === "d") return error(409, "DEVICE_BOUND", `This place is bound to the device that joined: claim the turn on its waiting page, /events/${eventId}.`);
  const limited = await limit(env, ctx, eventId, "ticket", link.tid);
  if (limited) return limited;
  let result: Awaited<ReturnType<typeof claimTurn>>;
  try {
    result = await claimTurn(env, eventId, link.tid, config(env).sessionTtlSeconds);
  } catch {
    return redisUnavailable();
  }
  switch (result.kind) {
    case "claimed": {
      const activeToken = await mintActive(env, eventId, result.sid, result.expiresAt);
      const headers = new Headers();
      headers.append("set-cookie", cookie(request, activeCookieName(eventId), activeToken, Math.max(1, Math.ceil((result.expiresAt - Date.now()) / 1000))));
      headers.append("set-cookie", cookie(request, ticketCookieName(eventId), "", 0));
      return json({ eventId, activeToken, sessionId: result.sid, expiresAt: new Date(result.expiresAt).toISOString(), redirect: `/events/${eventId}` }, 200, headers);
    }
    case "still-waiting":
      return error(409, "NOT_YOUR_TURN", "This place's turn has not come yet; the email is sent when it does.");
    case "claim-expired":
      return error(410, "CLAIM_EXPIRED", `The claim window passed before the turn was claimed; join again at /events/${eventId}.`);
    case "restoring":
      return restoringError();
    case "not-admitted": {
      const state = await linkState(env, eventId, link.tid).catch(() => null);
      if (state?.kind === "used") return error(409, "TURN_LINK_USED", `This link was used already: the turn is claimed. Open /events/${eventId} on the device that claimed it.`);
      return error(410, "CLAIM_EXPIRED", `This turn can no longer be claimed (its claim window passed); join again at /events/${eventId}.`);
    }
  }
}
