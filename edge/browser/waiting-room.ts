/**
 * The waiting room's script: follows the fan's place over the position stream (SSE), counts
 * down to the opening, claims the turn when the fan is admitted and takes them to the sale,
 * and rejoins the line when a ticket expired. A fan who is not watching (the tab hidden) is
 * told instead (title, chime, notification: turn-alert.ts) and the claim window counts down
 * until they come back or press the button. It shows the place's resume link and its QR
 * code, offers the turn email (./turn-email.ts), and says so when the place moved to another device. The server writes the event
 * id, the first view, the restoring words and the resume link's path into the page's data
 * attributes (see edge/src/page.ts), and every text it writes in the page's language: the
 * catalogue's `live` texts (edge/src/i18n) as data-texts, numbers, waits and chances in
 * the locale of <html lang> (edge/src/i18n/format.ts).
 *
 * Screen readers hear the position politely and seldom: the place is announced (in the
 * polite live region #announce) when it first shows, then only when it changed and at
 * least ANNOUNCE_EVERY_MS passed since the last announcement; status changes (paused, your
 * turn, moved) are announced at once.
 *
 * Where the organiser binds places to the device, the page joins itself (`data-joining`):
 * it makes or finds the event's device key (./device-key.ts), and the join and the claim
 * carry a proof signed with it, and the ticket it was given.
 */
import type { LiveTexts } from "../src/i18n/en.ts";
import { chanceLine, dateTime, fill, formatNumber, momentWithZone, waitLine, waitWords } from "../src/i18n/format.ts";
import type { FanView } from "../src/snapshot.ts";
import { deviceKey, learnClock, proof, remember, type DeviceKey } from "./device-key.ts";
import { byId, jsonBody, pageData, pageJson, type ApiBody } from "./dom.ts";
import { initChoiceForm, showTiers } from "./choice-form.ts";
import { drawQr } from "./qr.ts";
import { askToBeTold, chime, notify } from "./turn-alert.ts";
import { offerTurnEmail } from "./turn-email.ts";

/** The rule for position announcements: at most one a minute, and only when the place changed. */
const ANNOUNCE_EVERY_MS = 60_000;
let announcedAt = 0;
let announcedPosition = -1;
const pageTitle = document.title;

const eventId = pageData("eventId");
const t = pageJson<LiveTexts>("texts")!;
const locale = document.documentElement.lang || "en";
const num = (n: number) => formatNumber(locale, n);
/** The edge's own message when the page is in English (the edge speaks English), else the catalogue's words for it. */
const english = locale.toLowerCase().startsWith("en");
const theirs = (message: string | undefined, ours: string) => (english && message) || ours;
const restoringWords = pageData("restoringMessage");
/** what the event asks before a new place (off | pow): every join this page makes solves it first */
const challenge = document.body.dataset.challenge ?? "off";
const startKey = "cu-start-" + eventId;
const labels: Record<string, string> = { prequeue: t.prequeue, paused: t.paused, soldout: t.soldout, closed: t.closed };
const binding = document.body.dataset.deviceBinding || "off";
const joining = document.body.dataset.joining === "1";
// codes that end this page's place: it belongs to another device, or the sale needs one
const REFUSED = ["DPOP_WRONG_KEY", "DPOP_REQUIRED", "DEVICE_BINDING_REQUIRED"];
let key: DeviceKey | null = null;
let source: EventSource | undefined;
let opensAt: number | null = null;
let clock: ReturnType<typeof setInterval> | undefined;

const retryAfterMs = (res: Response) => 1000 * (Number(res.headers.get("retry-after")) || 3);
/** how long the page waits before asking again when a request got no answer at all */
const UNREACHABLE_RETRY_MS = 2000;

function countdown(): void {
  const left = opensAt === null ? 0 : Math.max(0, Math.ceil((opensAt - Date.now()) / 1000));
  byId("opens").hidden = left === 0;
  const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
  byId("opens-in").textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
}

// the line is being restored after a failure: no position is true now, so none is shown;
// said once in the polite live region, cleared when true positions come back
function restoring(message?: string): void {
  const words = theirs(message, restoringWords);
  if (byId("restoring").textContent !== words) byId("restoring").textContent = words;
  byId("state").textContent = t.reconnecting;
  for (const id of ["position", "ahead", "behind"]) byId(id).textContent = "...";
  byId("wait").textContent = t.waitEstimating;
}

/** The organiser's own page for the line's state, when they made one (edge/src/page-templates.ts): that one shown, the others hidden. */
function organiserPage(kind: string): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-page-kind]")) el.hidden = el.dataset.pageKind !== kind;
}

/** The organiser's placeholders the line changes: `{{position}}` and `{{wait}}`. */
function live(name: string, text: string): void {
  for (const el of document.querySelectorAll(`[data-live="${name}"]`)) el.textContent = text;
}

function say(words: string): void {
  byId("announce").textContent = words;
  announcedAt = Date.now();
}

function announce(v: FanView): void {
  if (v.position === announcedPosition || Date.now() - announcedAt < ANNOUNCE_EVERY_MS) return;
  announcedPosition = v.position;
  say(v.waitTimeSeconds === null ? fill(t.announcePlace, { position: num(v.position) }) : fill(t.announcePlaceWait, { position: num(v.position), wait: waitWords(t, locale, v.waitTimeSeconds) }));
}

function show(v: FanView): void {
  byId("restoring").textContent = "";
  announce(v);
  byId("position").textContent = num(v.position);
  byId("ahead").textContent = num(v.ahead);
  byId("behind").textContent = num(v.behind);
  byId("wait").textContent = waitLine(t, locale, v.waitTimeSeconds);
  live("position", num(v.position));
  live("wait", waitLine(t, locale, v.waitTimeSeconds));
  organiserPage(v.status === "open" ? "waiting" : v.status);
  showTiers(v);
  byId("chance-line").hidden = !v.chance;
  if (v.chance) byId("chance").textContent = chanceLine(t, locale, v.chance);
  // the organiser's closing time in the fan's own zone, and whether the wait runs past it
  byId("closes-line").hidden = !v.closesAt;
  const closes = byId("closes-at");
  if (v.closesAt && closes.dataset.shown !== v.closesAt) {
    closes.setAttribute("datetime", v.closesAt);
    closes.textContent = momentWithZone(locale, new Date(v.closesAt));
    closes.dataset.shown = v.closesAt;
  }
  byId("closes-warning").hidden = !v.turnAfterClosing;
  const start = Math.max(Number(sessionStorage.getItem(startKey)) || 0, v.position);
  sessionStorage.setItem(startKey, String(start));
  const done = start > 1 ? Math.round((100 * (start - v.position)) / (start - 1)) : 100;
  const progress = byId("progress");
  progress.style.width = done + "%";
  progress.parentElement?.setAttribute("aria-valuenow", String(done));
  const note = labels[v.status];
  byId("notice").hidden = !note;
  // a status region: written only when it changes, so a screen reader is not told it again at every update
  if (byId("notice").textContent !== (note || "")) byId("notice").textContent = note || "";
  opensAt = v.status === "prequeue" && v.opensAt ? Date.parse(v.opensAt) : null;
  countdown();
  clearInterval(clock);
  if (opensAt !== null) clock = setInterval(countdown, 1000);
}

function over(body: ApiBody & { status?: string }): void {
  source?.close();
  clearInterval(clock);
  byId("opens").hidden = true;
  byId("line").hidden = true;
  byId("state").textContent = theirs(body.message, t.over);
  byId("notice").hidden = false;
  byId("notice").textContent = (body.status && labels[body.status]) || labels.closed!;
  organiserPage(body.status === "soldout" ? "soldout" : "closed");
}

const mmss = (seconds: number) => Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
let turnClock: ReturnType<typeof setInterval> | undefined;
let claiming = false;
/** the claim deadline (ms) the turn's countdown counts to; "I need more time" moves it */
let deadline = 0;
/** redraws the turn's countdown now (set once the turn came) */
let showTurnLeft = () => {};

/**
 * "I need more time" (WCAG 2.2.1 Timing Adjustable): the claim window runs longer once, from
 * the event's budget; the countdown moves to the new deadline and the button stays, disabled,
 * saying the time was given. A refusal (none given, used, budget spent) hides it; both are
 * said politely.
 */
async function moreTime(): Promise<void> {
  const button = byId<HTMLButtonElement>("more-time");
  button.disabled = true;
  const res = await post("/queue/" + eventId + "/extend");
  const body = await jsonBody<ApiBody & { claimDeadline?: string }>(res);
  const moved = Date.parse(body.claimDeadline ?? "");
  if (res.ok && moved) {
    const added = Math.round((moved - deadline) / 1000);
    deadline = moved;
    showTurnLeft();
    // the button stays where it was, saying it was used (it can be used once)
    button.textContent = t.moreTimeUsed;
    say(fill(t.moreTimeGiven, { time: mmss(added) }));
  } else {
    button.hidden = true;
    say(theirs(body.message, t.moreTimeRefused));
  }
}

/**
 * The fan's turn came. Watching: claimed at once. Not watching (the tab is hidden): told,
 * and the claim window counts down on the page and in the title until they come back
 * (the page claims then), press the button or the notification.
 */
function turn(claimDeadline: string | undefined): void {
  if (document.visibilityState === "visible") return void claim();
  deadline = Date.parse(claimDeadline ?? "") || Date.now() + 60_000;
  const left = () => Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  byId("line").hidden = true;
  byId("opens").hidden = true;
  byId("turn").hidden = false;
  // an admitted place is claimed where it is: no more moving it
  document.getElementById("resume")?.remove();
  byId("state").textContent = t.yourTurn;
  say(fill(t.announceTurn, { time: mmss(left()) }));
  const tick = () => {
    byId("claim-left").textContent = mmss(left());
    document.title = fill(t.titleTurn, { time: mmss(left()) });
    if (left() === 0) void claim();
  };
  showTurnLeft = tick;
  tick();
  turnClock = setInterval(tick, 1000);
  chime();
  notify(t.notifyTitle, fill(t.notifyBody, { time: mmss(left()) }), () => void claim());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void claim();
  });
}

/** A POST of this page, with the device key's proof and the ticket bound to it when there is a key; a stale proof is made again once, on the edge's clock. */
async function post(path: string, extra: Record<string, string> = {}, retried = false): Promise<Response> {
  const headers: Record<string, string> = { ...extra };
  if (key) {
    headers.dpop = await proof(key, "POST", path, key.ticket);
    if (key.ticket) headers["x-queue-ticket"] = key.ticket;
  }
  const res = await fetch(path, { method: "POST", credentials: "same-origin", headers });
  if (!retried && res.status === 401 && key && (await jsonBody(res.clone())).code === "DPOP_STALE" && learnClock(res)) return post(path, extra, true);
  return res;
}

/** A PUT with a JSON body, signed like the page's other calls when the place is bound to the device. */
async function put(path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) {
    headers.dpop = await proof(key, "PUT", path, key.ticket);
    if (key.ticket) headers["x-queue-ticket"] = key.ticket;
  }
  return fetch(path, { method: "PUT", credentials: "same-origin", headers, body: JSON.stringify(body) });
}

function refused(body: ApiBody): boolean {
  if (!body.code || !REFUSED.includes(body.code)) return false;
  source?.close();
  byId("line").hidden = true;
  byId("state").textContent = theirs(body.message, t.refused);
  return true;
}

async function claim(): Promise<void> {
  if (claiming) return;
  claiming = true;
  clearInterval(turnClock);
  document.title = pageTitle;
  byId("turn").hidden = true;
  byId("state").textContent = t.takingYouIn;
  let res: Response;
  try {
    res = await post("/queue/" + eventId + "/claim");
  } catch {
    // no answer came (the network dropped the request): the turn is still the fan's, so the
    // page asks again; an answer that came and was lost says NOT_ADMITTED, and the page rejoins
    claiming = false;
    byId("state").textContent = t.reconnectingKeep;
    setTimeout(() => void claim(), UNREACHABLE_RETRY_MS);
    return;
  }
  const body = await jsonBody<ApiBody & { redirect?: string; activeToken?: string }>(res);
  if (res.ok) {
    if (key && body.activeToken) await remember(key, { activeToken: body.activeToken });
    sessionStorage.removeItem(startKey);
    // a fan who came in by an event or path the room covers goes back to it
    const cameBy = location.pathname !== "/events/" + eventId && location.pathname.startsWith("/events/");
    location.replace(cameBy ? location.pathname : body.redirect || "/events/" + eventId);
    return;
  }
  claiming = false;
  if (refused(body)) return;
  byId("state").textContent = theirs(body.message, t.claimFailed);
  if (body.code === "RESTORING" || res.status === 503) setTimeout(claim, retryAfterMs(res));
  if (body.code === "CLAIM_EXPIRED" || body.code === "NOT_ADMITTED") setTimeout(() => void rejoin(), 3000);
}

/** Solves the event's proof-of-work in a Web Worker (pow-worker.ts); the payload a join carries, or null. */
async function solve(min: number): Promise<string | null> {
  const res = await fetch("/queue/" + eventId + "/challenge" + (min > 0 ? "?min=" + min : ""), { credentials: "same-origin" });
  if (!res.ok) return null;
  const task = await res.json();
  const worker = new Worker(pageData("powWorker"));
  try {
    const answer = await new Promise<{ ok: boolean; payload?: string; ms?: number }>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = () => resolve({ ok: false });
      worker.postMessage(task);
    });
    if (!answer.ok || !answer.payload) return null;
    // how long this browser took, for whoever measures the challenge's cost
    document.body.dataset.solvedInMs = String(answer.ms);
    return answer.payload;
  } finally {
    worker.terminate();
  }
}

interface TurnstileApi {
  render(el: HTMLElement, o: { sitekey: string; callback: (token: string) => void; "error-callback": () => void }): string;
  reset(id: string): void;
}
let turnstileLoaded: Promise<TurnstileApi> | undefined;
let turnstileWidget: string | undefined;

/** A token from Cloudflare's Turnstile widget (shown in #turnstile); the fan may have to tick it. */
async function turnstileToken(): Promise<string | null> {
  turnstileLoaded ??= new Promise<TurnstileApi>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";
    script.onload = () => resolve((window as unknown as { turnstile: TurnstileApi }).turnstile);
    script.onerror = () => reject(new Error("the human check did not load"));
    document.head.appendChild(script);
  });
  const api = await turnstileLoaded.catch(() => null);
  if (!api) return null;
  return new Promise<string | null>((resolve) => {
    if (turnstileWidget !== undefined) api.reset(turnstileWidget);
    else turnstileWidget = api.render(byId("turnstile"), { sitekey: pageData("turnstileSiteKey"), callback: resolve, "error-callback": () => resolve(null) });
  });
}

/** POST join; with a challenge on, solved first (again, harder, when the edge asks for it). */
async function postJoin(): Promise<Response> {
  const url = "/queue/" + eventId + "/join";
  if (challenge === "turnstile") {
    byId("state").textContent = t.humanCheck;
    for (let attempt = 0; ; attempt++) {
      const token = await turnstileToken();
      const res = await post(url, token ? { "x-turnstile-token": token } : {});
      // passed: the widget has done its part
      if (res.ok) byId("turnstile").hidden = true;
      if (attempt >= 3 || (res.status !== 403 && res.status !== 503)) return res;
      if (res.status === 503) await new Promise((r) => setTimeout(r, retryAfterMs(res)));
    }
  }
  if (challenge !== "pow") return post(url);
  let min = 0;
  // a place this device holds is kept without a solution: solve only for a new one (or when asked)
  let solving = !key?.ticket;
  for (let attempt = 0; ; attempt++) {
    if (solving) byId("state").textContent = t.checking;
    const payload = solving ? await solve(min) : null;
    // with the device key's proof too, in a sale that binds places (post adds it)
    const res = await post(url, payload ? { "x-challenge-solution": payload } : {});
    if (res.status !== 403 || attempt >= 3) return res;
    const code = (await jsonBody(res.clone())).code;
    if (code !== "CHALLENGE_HARDER" && code !== "CHALLENGE_FAILED" && code !== "CHALLENGE_REQUIRED") return res;
    solving = true;
    min = Number(res.headers.get("x-challenge-difficulty")) || 0;
  }
}

/** The ticket id a queue ticket names (its payload is base64url JSON; the edge checks its signature, the page only compares). */
function ticketIdOf(ticket: string): string | null {
  try {
    return (JSON.parse(atob((ticket.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as { tid?: string }).tid ?? null;
  } catch {
    return null;
  }
}

/** `again`: the old place is gone (expired, not admitted): the progress starts over. */
async function rejoin(again = true): Promise<void> {
  if (again) sessionStorage.removeItem(startKey);
  let res: Response;
  try {
    res = await postJoin();
  } catch {
    // no answer came (the network dropped the request): the page asks again
    byId("state").textContent = t.reconnecting;
    setTimeout(() => void rejoin(again), UNREACHABLE_RETRY_MS);
    return;
  }
  if (res.ok) {
    const v = (await res.json()) as FanView & { admitted?: boolean; ticket?: string };
    // the page's resume link names the place this device held: good while the join kept it
    const resumeAt = document.body.dataset.resumePath;
    if (resumeAt && key?.ticket && v.ticket && ticketIdOf(v.ticket) === ticketIdOf(key.ticket)) showResume(resumeAt);
    else document.getElementById("resume")?.remove();
    if (key && v.ticket && v.ticket !== key.ticket) await remember(key, { ticket: v.ticket });
    if (v.admitted) return claim();
    byId("state").textContent = t.inLine;
    show(v);
    connect();
    return;
  }
  const body = await jsonBody<ApiBody & { waitlistUrl?: string }>(res);
  if (refused(body)) return;
  // sold out, or the line stopped: the page with the waiting list on it (the edge's page route)
  if (body.waitlistUrl && !location.search.includes("waitlist")) return void location.replace("/events/" + eventId + "?waitlist");
  if (body.code === "RESTORING") {
    restoring(body.message);
    setTimeout(() => void rejoin(again), retryAfterMs(res));
    return;
  }
  byId("state").textContent = theirs(body.message, t.joinFailed);
}

/** The place moved to another device (its resume link was opened there): this page no longer holds it. */
function moved(message?: string): void {
  clearInterval(clock);
  byId("line").hidden = true;
  byId("opens").hidden = true;
  document.getElementById("resume")?.remove();
  byId("state").textContent = theirs(message, t.moved);
  byId("notice").hidden = false;
  byId("notice").textContent = t.movedNotice;
  document.title = fill(t.movedTitle, { title: pageTitle });
  say(byId("state").textContent!);
}

function showResume(path: string): void {
  const url = location.origin + path;
  const link = byId<HTMLAnchorElement>("resume-link");
  link.href = url;
  link.textContent = url;
  drawQr(byId<HTMLCanvasElement>("resume-qr"), url);
}

function connect(): void {
  source?.close();
  const stream = (source = new EventSource("/queue/" + eventId + "/events"));
  const data = <T>(e: Event) => JSON.parse((e as MessageEvent<string>).data) as T;
  stream.addEventListener("position", (e) => {
    byId("state").textContent = t.inLineShort;
    show(data<FanView>(e));
  });
  stream.addEventListener("admitted", (e) => {
    stream.close();
    turn(data<{ claimDeadline?: string }>(e).claimDeadline);
  });
  stream.addEventListener("moved", (e) => {
    stream.close();
    moved(data<ApiBody>(e).message);
  });
  stream.addEventListener("expired", () => {
    stream.close();
    void rejoin();
  });
  stream.addEventListener("closed", (e) => over(data<ApiBody>(e)));
  stream.addEventListener("restoring", (e) => restoring(data<ApiBody>(e).message));
  stream.onerror = () => {
    if (stream.readyState !== EventSource.CLOSED) byId("state").textContent = t.reconnectingKeep;
  };
}

for (const el of document.querySelectorAll("time[datetime]:not(#closes-at)")) el.textContent = dateTime(locale, new Date(el.getAttribute("datetime")!));
const initial = pageJson<FanView>("initialView");
byId("claim").addEventListener("click", () => void claim());
byId("more-time").addEventListener("click", () => void moreTime());
initChoiceForm(eventId, t, put, english);
byId("notify").addEventListener("click", async () => {
  byId("notify-state").textContent = await askToBeTold(t);
});
offerTurnEmail(eventId, t, document.documentElement.lang.toLowerCase().startsWith("en"));
// a key is made only when this page joins a sale that binds places; one kept from an
// earlier join of this event is used whatever the setting is now (its place is bound)
void deviceKey(eventId, joining && binding !== "off").then((found) => {
  key = found;
  if (document.body.dataset.solveFirst === "1") {
    // no place yet, and the event asks a proof-of-work first: solve it, then join
    void rejoin();
  } else if (joining) void rejoin(false);
  else {
    if (initial) show(initial);
    const resumeAt = document.body.dataset.resumePath;
    if (resumeAt) showResume(resumeAt);
    connect();
  }
});
