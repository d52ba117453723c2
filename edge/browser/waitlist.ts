/**
 * The waiting list on the sold-out and line-stopped pages (edge/src/waitlist-page.ts): the
 * form posts the fan's request to POST /queue/:eventId/waitlist, and the entry is then
 * followed by polling GET on the same path (the ticket cookie says whose), as often as the
 * answer's `refreshIntervalSeconds` says (every 2 s near the head and while offered, every 10 s
 * further back; POLL_EVERY_MS when it says nothing): the place on the list while it waits; when seats come back, the seats held
 * for the fan, the claim window counting down (also in the title) and the button that
 * claims them with the ordinary POST /queue/:eventId/claim and opens the sale on them; then
 * what became of the offer. A reload finds the entry again. Screen readers hear the place
 * when it changes and the offer at once (the polite region #waitlist-announce).
 *
 * Where the organiser binds places to the device (`data-device-binding`), so is the list's
 * ticket: the page makes or finds the event's device key (./device-key.ts, the one the
 * waiting page uses), and the join and the claim carry a proof signed with it.
 */
import type { LiveTexts } from "../src/i18n/en.ts";
import { fill, formatNumber } from "../src/i18n/format.ts";
import { deviceKey, learnClock, proof, remember, type DeviceKey } from "./device-key.ts";
import { byId, jsonBody, pageData, pageJson, type ApiBody } from "./dom.ts";

const POLL_EVERY_MS = 2000;

interface Entry {
  state: "waiting" | "offered" | "claimed" | "passed";
  quantity: number;
  tier: string;
  position?: number;
  seatIds?: string[];
  claimDeadline?: string;
  refreshIntervalSeconds?: number;
}

const eventId = pageData("eventId");
const t = pageJson<LiveTexts>("texts")!;
const locale = document.documentElement.lang || "en";
const english = locale.toLowerCase().startsWith("en");
const theirs = (message: string | undefined, ours: string) => (english && message) || ours;
const path = "/queue/" + eventId + "/waitlist";
const pageTitle = document.title;
const mmss = (seconds: number) => Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");

const binding = document.body.dataset.deviceBinding || "off";
let key: DeviceKey | null = null;
let poll: ReturnType<typeof setTimeout> | undefined;
/** how long until the next read, as the edge last said */
let pollMs: number = POLL_EVERY_MS;
let clock: ReturnType<typeof setInterval> | undefined;
let said = "";
let claiming = false;

function say(words: string): void {
  if (words === said) return;
  said = words;
  byId("waitlist-announce").textContent = words;
}

function failed(words: string): void {
  const el = byId("waitlist-error");
  el.hidden = false;
  el.textContent = words;
}

function later(): void {
  clearTimeout(poll);
  poll = setTimeout(() => void read(), pollMs);
}

function countdown(deadline: number): void {
  clearInterval(clock);
  const tick = () => {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    byId("waitlist-left").textContent = mmss(left);
    document.title = fill(t.waitlistTitleOffer, { time: mmss(left) });
  };
  tick();
  clock = setInterval(tick, 1000);
}

function show(e: Entry): void {
  pollMs = e.refreshIntervalSeconds ? e.refreshIntervalSeconds * 1000 : POLL_EVERY_MS;
  byId("waitlist-form").hidden = true;
  byId("waitlist-error").hidden = true;
  const tier = e.tier || t.choiceAny;
  byId("waitlist-entry").hidden = e.state !== "waiting";
  byId("waitlist-place").hidden = false;
  byId("waitlist-offer").hidden = e.state !== "offered";
  if (e.state !== "offered") {
    clearInterval(clock);
    document.title = pageTitle;
  }
  switch (e.state) {
    case "waiting":
      byId("waitlist-state").textContent = fill(t.waitlistWaiting, { quantity: formatNumber(locale, e.quantity), tier });
      byId("waitlist-position").textContent = formatNumber(locale, e.position ?? 0);
      say(fill(t.waitlistAnnounce, { position: formatNumber(locale, e.position ?? 0) }));
      return later();
    case "offered": {
      const deadline = Date.parse(e.claimDeadline ?? "") || Date.now();
      byId("waitlist-seats").textContent = fill(t.waitlistOffered, { seats: (e.seatIds ?? []).join(", ") });
      countdown(deadline);
      say(fill(t.waitlistAnnounceOffer, { time: mmss(Math.max(0, Math.ceil((deadline - Date.now()) / 1000))) }));
      // the offer may pass while the fan looks away: keep following it
      return later();
    }
    case "claimed":
    case "passed":
      byId("waitlist-entry").hidden = false;
      byId("waitlist-place").hidden = true;
      byId("waitlist-state").textContent = e.state === "claimed" ? t.waitlistClaimed : t.waitlistPassed;
      say(byId("waitlist-state").textContent!);
  }
}

/** A POST of this page, with the device key's proof and the ticket bound to it when there is a key; a stale proof is made again once, on the edge's clock. */
async function post(url: string, body?: unknown, retried = false): Promise<Response | null> {
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  if (key) {
    headers.dpop = await proof(key, "POST", url, key.ticket);
    if (key.ticket) headers["x-queue-ticket"] = key.ticket;
  }
  const res = await fetch(url, { method: "POST", credentials: "same-origin", headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).catch(() => null);
  if (!retried && res?.status === 401 && key && (await jsonBody(res.clone())).code === "DPOP_STALE" && learnClock(res)) return post(url, body, true);
  return res;
}

/** The entry as the edge has it; no entry (no ticket, or a ticket not on the list): the form. */
async function read(): Promise<void> {
  const res = await fetch(path, { credentials: "same-origin" }).catch(() => null);
  if (!res) return later();
  if (res.status === 401 || res.status === 404) {
    byId("waitlist-form").hidden = false;
    return;
  }
  if (!res.ok) return later();
  show((await res.json()) as Entry);
}

async function join(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const email = byId<HTMLInputElement>("waitlist-email").value.trim();
  if (email && !/^[^\s@|]+@[^\s@|]+$/.test(email)) return failed(t.emailInvalid);
  const tier = byId<HTMLSelectElement>("waitlist-tier").value;
  const body = { quantity: Number(byId<HTMLSelectElement>("waitlist-quantity").value), ...(tier ? { tier } : {}), ...(email ? { contact: email } : {}) };
  const button = byId<HTMLButtonElement>("waitlist-join");
  button.disabled = true;
  byId("waitlist-error").hidden = true;
  say(t.waitlistJoining);
  let res: Response | null = null;
  // 503: the list is being checked against its durable copy; it opens in a moment
  for (let attempt = 0; attempt < 10; attempt++) {
    res = await post(path, body);
    if (res?.status !== 503) break;
    await new Promise((r) => setTimeout(r, 1000 * (Number(res!.headers.get("retry-after")) || 1)));
  }
  // the organiser began binding places after this page was served: the key is made now, and asked again with it
  if (!key && res?.status === 403 && (await jsonBody<ApiBody>(res.clone())).code === "DEVICE_BINDING_REQUIRED") {
    key = await deviceKey(eventId, true);
    if (key) res = await post(path, body);
  }
  button.disabled = false;
  if (res?.ok) {
    const ticket = (await jsonBody<ApiBody & { ticket?: string }>(res)).ticket;
    if (key && ticket && ticket !== key.ticket) await remember(key, { ticket });
    return read();
  }
  failed(theirs(res ? (await jsonBody<ApiBody>(res)).message : undefined, t.waitlistFailed));
}

async function claim(): Promise<void> {
  if (claiming) return;
  claiming = true;
  const button = byId<HTMLButtonElement>("waitlist-claim");
  button.disabled = true;
  say(t.claiming);
  const res = await post("/queue/" + eventId + "/claim");
  const body = res ? await jsonBody<ApiBody & { redirect?: string; activeToken?: string }>(res) : {};
  if (res?.ok) {
    // the sale page signs its calls with the same key and this token
    if (key && body.activeToken) await remember(key, { activeToken: body.activeToken });
    location.replace(body.redirect || "/events/" + eventId);
    return;
  }
  claiming = false;
  button.disabled = false;
  failed(theirs(body.message, t.claimFailed));
  void read();
}

byId<HTMLFormElement>("waitlist-form").hidden = true;
byId<HTMLFormElement>("waitlist-form").addEventListener("submit", (e) => void join(e));
byId("waitlist-claim").addEventListener("click", () => void claim());
// the device key first where places are bound (made now if the fan has none for this event)
void deviceKey(eventId, binding !== "off").then(
  (found) => {
    key = found;
    void read();
  },
  () => void read(),
);
