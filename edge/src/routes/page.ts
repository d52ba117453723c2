/**
 * GET /events/:eventId: fans with a valid active token get the sale page (which talks to
 * the origin through /api/*); everyone else gets the waiting room, joining the line first
 * if they hold no ticket.
 */
import type { ChoiceForm } from "../page.ts";
import { choiceSettings, parseTiers } from "./choice.ts";
import { declaredChoice } from "./status.ts";
import { activeCookieName, mintActive, readActive, readTicket, ticketCookieName } from "../auth.ts";
import { config } from "../env.ts";
import { cookie } from "../http.ts";
import { challengeModeOf } from "../challenge.ts";
import { bindingOf } from "../dpop.ts";
import { hubFor } from "../hub.ts";
import type { Env } from "../env.ts";
import { htmlResponse as html } from "../html.ts";
import { chooseLanguage, type Language } from "../i18n/index.ts";
import { identityModeOf } from "../identity.ts";
import { accessCodePage, identityPage, messagePage, waitingRoomPage } from "../page.ts";
import { RESTORING_RETRY_SECONDS } from "../restoring.ts";
import { kindOf, readTemplates, templateSections } from "../page-templates.ts";
import { salePage } from "../sale-page.ts";
import { client } from "../redis.ts";
import { eventKeys } from "../../../common/keys.ts";
import { waitlistPage, type WaitlistForm } from "../waitlist-page.ts";
import { PAGE_CSP } from "../html.ts";
import { claimTurn, touchTicket } from "../queue.ts";
import { carriedBy, resumeCode, resumePath } from "../resume.ts";
import type { ChallengeMode } from "../../../common/queue-state.ts";
import { findOrMakePlace, type Place } from "./place.ts";

/** Where Turnstile's widget comes from: the page that shows it lets that origin run its script and frame. */
export const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

const turnstileKey = (env: Env, mode: ChallengeMode | undefined) => (mode === "turnstile" ? (env.TURNSTILE_SITE_KEY?.trim() ?? "") : null);

/** The waiting room page; with Turnstile on, its policy also lets the widget's script and frame in (nothing else). */
function waitingRoom(env: Env, body: string, mode: ChallengeMode | undefined, status = 200, headers: Record<string, string> = {}): Response {
  if (mode !== "turnstile") return html(body, status, headers);
  const csp = PAGE_CSP.replace("script-src 'self'", `script-src 'self' ${TURNSTILE_ORIGIN}`).replace("default-src 'none'", `default-src 'none'; frame-src ${TURNSTILE_ORIGIN}`);
  return html(body, status, { ...headers, "content-security-policy": csp });
}

/**
 * Whether the fan's ticket gave its place to another device (the resume link): such a page
 * says so instead of taking a new place at the back. One touch, only for a fan with a ticket.
 */
async function placeMoved(request: Request, env: Env, eventId: string): Promise<boolean> {
  const held = await readTicket(request, env, eventId);
  if (!held) return false;
  return (await touchTicket(env, eventId, held.claims.tid, held.claims.num).catch(() => null))?.kind === "moved";
}

/** The page in the fan's language (edge/src/i18n): a choice made with ?lang= is remembered in its cookie. */
/**
 * A fan standby let straight through goes to the sale: the turn is claimed here and the
 * answer is a redirect to the same address carrying the active token, which then serves
 * the sale page. Should the claim not go (it cannot fail for a fresh admission but for a
 * lost line), the waiting page gets the ticket and its script claims as for any turn.
 */
async function straightToSale(request: Request, env: Env, eventId: string, place: Extract<Place, { kind: "passed" }>, l: Language): Promise<Response> {
  const claimed = (await bindingOf(env, eventId)) === "required" ? null : await claimTurn(env, eventId, place.tid, config(env).sessionTtlSeconds);
  if (claimed?.kind !== "claimed") return html(waitingRoomPage(eventId, null, null, false, {}, l), 200, { "set-cookie": place.setCookie });
  const activeToken = await mintActive(env, eventId, claimed.sid, claimed.expiresAt, { tier: place.tier ?? undefined });
  const headers = new Headers({ location: `/events/${encodeURIComponent(eventId)}`, "cache-control": "no-store" });
  headers.append("set-cookie", cookie(request, activeCookieName(eventId), activeToken, Math.max(1, Math.ceil((claimed.expiresAt - Date.now()) / 1000))));
  headers.append("set-cookie", cookie(request, ticketCookieName(eventId), "", 0));
  return new Response(null, { status: 303, headers });
}

export async function page(request: Request, env: Env, ctx: ExecutionContext, eventId: string): Promise<Response> {
  const l = chooseLanguage(request);
  const res = await pageIn(l, request, env, eventId);
  if (l.setCookie) res.headers.append("set-cookie", l.setCookie);
  return res;
}

async function pageIn(l: Language, request: Request, env: Env, eventId: string): Promise<Response> {
  const { page: p } = l.t;
  const active = await readActive(request, env, eventId);
  if (active) return html(salePage(eventId, l));

  if (await placeMoved(request, env, eventId)) return html(messagePage(p.movedTitle, p.movedText, l), 409);
  let place: Awaited<ReturnType<typeof findOrMakePlace>>;
  let held: Awaited<ReturnType<typeof readTicket>> = null;
  try {
    // a place bound to the device (or to be bound) is joined by the page's script, which
    // holds the key and signs the join: the page itself cannot prove anything
    held = await readTicket(request, env, eventId);
    const mode = held?.claims.cnf ? "bound" : await bindingOf(env, eventId);
    if (mode !== "off" && !(held && !held.claims.cnf)) {
      // the event's name and venue for the page; the join comes after, from the script
      const snapshot = await hubFor(eventId).ensureFresh(env);
      // sold out, or (`?waitlist`: the script's join was told so) a line that stopped before a
      // fan without a place in it (none, or the list's own ticket, number 0): the waiting
      // list's page, whose script joins or follows the list with the device key's proof
      if (snapshot.status === "soldout") return html(waitlistPage(eventId, p.soldOutTitle, p.soldOutText, await waitlistForm(env, eventId), l, await endedPage(env, eventId, l)), 410);
      if ((!held || held.claims.num === 0) && snapshot.honestStop !== null && snapshot.status === "open" && new URL(request.url).searchParams.has("waitlist")) {
        return html(waitlistPage(eventId, p.stoppedTitle, p.stoppedText, await waitlistForm(env, eventId), l), 409);
      }
      if (snapshot.status !== "restoring" || held) {
        // what the script's join must bring (a solution for a new place, the device key's
        // proof), and the held place's own resume link, shown once the join finds it waiting
        const [challenge, code] = await Promise.all([challengeModeOf(env, eventId), held ? resumeCode(env, eventId, held.claims.tid, carriedBy(held.claims)) : null]);
        const options = { deviceBinding: mode === "bound" ? snapshot.deviceBinding : mode, joining: true, challenge, turnstileSiteKey: turnstileKey(env, challenge), resumePath: code ? resumePath(eventId, code) : null };
        return waitingRoom(env, waitingRoomPage(eventId, null, snapshot.about, false, options, l), challenge);
      }
    }
    place = await findOrMakePlace(request, env, eventId, { page: true, held });
  } catch (e) {
    // Redis cannot be reached: a page a person can read, and a browser that retries
    console.error("waiting room page: the line cannot be reached", e);
    return html(messagePage(p.waitTitle, p.unavailableText, l), 503, { "retry-after": "5" });
  }
  if (place instanceof Response) {
    const retry = place.headers.get("retry-after") ?? "5";
    return html(messagePage(p.waitTitle, p.tooManyText, l), place.status, { "retry-after": retry });
  }
  switch (place.kind) {
    case "joined":
    case "waiting": {
      const headers: Record<string, string> = place.setCookie ? { "set-cookie": place.setCookie } : {};
      const [code, templates, choice] = await Promise.all([resumeCode(env, eventId, place.tid, held?.claims.tid === place.tid ? carriedBy(held.claims) : {}), readTemplates(env, eventId, l.lang), choiceForm(env, eventId, place.tid)]);
      const resume = resumePath(eventId, code);
      // the organiser's queueing status code (200, 202 or 429), for clients that read the status
      const status = (await hubFor(eventId).ensureFresh(env)).queueingStatusCode;
      return waitingRoom(env, waitingRoomPage(eventId, place.view, place.about, false, { challenge: place.challenge, turnstileSiteKey: turnstileKey(env, place.challenge), resumePath: resume, templates, choice }, l), place.challenge, status, headers);
    }
    case "admitted":
      return html(waitingRoomPage(eventId, null, null, false, {}, l));
    case "passed":
      return straightToSale(request, env, eventId, place, l);
    case "restoring":
      // a fan with a ticket keeps their place: the waiting room, saying the line is being
      // restored, whose stream reconnects and shows the position once it is back
      if (place.held) return html(waitingRoomPage(eventId, null, null, true, {}, l));
      return html(messagePage(p.waitTitle, p.restoringText, l), 503, { "retry-after": String(RESTORING_RETRY_SECONDS) });
    case "challenge":
      // the event asks a challenge before a new place: the page solves it (or shows the Turnstile widget), then joins
      return waitingRoom(env, waitingRoomPage(eventId, null, null, false, { challenge: place.mode, solveFirst: true, turnstileSiteKey: turnstileKey(env, place.mode) }, l), place.mode);
    case "no-queue":
      return html(messagePage(p.notFoundTitle, p.notFoundText, l), 404);
    case "sale-ended": {
      // the line's status as Redis has it now (the isolate's copy may be a tick behind the sell-out)
      const [organiser, status, form] = await Promise.all([endedPage(env, eventId, l), client(env).redis.hget(eventKeys(eventId).queueState, "status").catch(() => null), waitlistForm(env, eventId)]);
      // sold out: seats may still come back, so the waiting list is open on the page
      if (status === "soldout") return html(waitlistPage(eventId, p.soldOutTitle, p.soldOutText, form, l, organiser), 410);
      return html(messagePage(p.endedTitle, p.endedText, l, organiser), 410);
    }
    case "invite-only": {
      // a sale that asks an identity too: the identity step first, then the code field (the join brings both)
      const mode = await identityModeOf(env, eventId).catch(() => "off" as const);
      if (mode === "off") return html(accessCodePage(eventId, null, l), 403);
      const snapshot = await hubFor(eventId).ensureFresh(env).catch(() => null);
      return html(identityPage(eventId, mode, snapshot?.about ?? null, l, true), 403);
    }
    case "identity-required": {
      // the sale asks who the fan is: the identity step, whose script proves it and joins
      const [mode, snapshot] = await Promise.all([identityModeOf(env, eventId).catch(() => "either" as const), hubFor(eventId).ensureFresh(env).catch(() => null)]);
      return html(identityPage(eventId, mode === "off" ? "either" : mode, snapshot?.about ?? null, l), 403);
    }
    case "identity-in-line":
      return html(messagePage(p.identityTitle, l.t.live.identityInLine, l), 409);
    case "queue-full":
      return html(messagePage(p.fullTitle, p.fullText, l), 503, { "retry-after": "60" });
    case "line-stopped":
      return html(waitlistPage(eventId, p.stoppedTitle, p.stoppedText, await waitlistForm(env, eventId), l), 409);
  }
}

/** The seats to choose while waiting: the event's tiers and per-order limit (the origin's copy), and what this ticket chose; null for an event without tiers published, or when Redis does not answer. */
async function choiceForm(env: Env, eventId: string, tid: string): Promise<ChoiceForm | null> {
  try {
    const [[limit, raw], declared] = await Promise.all([choiceSettings(env, eventId), declaredChoice(env, eventId, tid)]);
    const tiers = parseTiers(raw);
    if (tiers.length === 0) return null;
    return { tiers, perOrderLimit: Number(limit) || 1, declared };
  } catch {
    return null;
  }
}

/** What the waiting list's form offers: the event's tiers and per-order limit (the origin's copy); none known when Redis does not answer. */
async function waitlistForm(env: Env, eventId: string): Promise<WaitlistForm> {
  try {
    const [[limit, raw], deviceBinding] = await Promise.all([choiceSettings(env, eventId), bindingOf(env, eventId)]);
    return { tiers: parseTiers(raw), perOrderLimit: Number(limit) || null, deviceBinding };
  } catch {
    return { tiers: [], perOrderLimit: null, deviceBinding: "off" };
  }
}

/** The organiser's sold-out or closed page for a sale that ended, when they made one. */
async function endedPage(env: Env, eventId: string, l: Language): Promise<string> {
  const [templates, snapshot] = await Promise.all([readTemplates(env, eventId, l.lang), hubFor(eventId).ensureFresh(env).catch(() => null)]);
  const kind = kindOf(snapshot?.status ?? "closed") ?? "closed";
  if (!templates[kind]) return "";
  return templateSections({ [kind]: templates[kind] }, { eventName: snapshot?.about?.name ?? "", position: "", wait: l.t.live.waitEstimating }, kind);
}
