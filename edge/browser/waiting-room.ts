/**
 * The waiting room's script: follows the fan's place over the position stream (SSE), counts
 * down to the opening, claims the turn when the fan is admitted and takes them to the sale,
 * and rejoins the line when a ticket expired. The server writes the event id, the first
 * view and the restoring words into the page's data attributes (see edge/src/page.ts).
 *
 * Where the organiser binds places to the device, the page joins itself (`data-joining`):
 * it makes or finds the event's device key (./device-key.ts), and the join and the claim
 * carry a proof signed with it, and the ticket it was given.
 */
import type { FanView } from "../src/snapshot.ts";
import { deviceKey, learnClock, proof, remember, type DeviceKey } from "./device-key.ts";
import { byId, jsonBody, pageData, pageJson, type ApiBody } from "./dom.ts";

const eventId = pageData("eventId");
const restoringWords = pageData("restoringMessage");
const startKey = "cu-start-" + eventId;
const labels: Record<string, string> = {
  prequeue: "The sale has not opened yet. Everyone here before it opens gets a place drawn by lot.",
  paused: "The sale is paused. You keep your place.",
  soldout: "Sold out. No more tickets are available.",
  closed: "The sale is closed.",
};
const binding = document.body.dataset.deviceBinding || "off";
const joining = document.body.dataset.joining === "1";
// codes that end this page's place: it belongs to another device, or the sale needs one
const REFUSED = ["DPOP_WRONG_KEY", "DPOP_REQUIRED", "DEVICE_BINDING_REQUIRED"];
let key: DeviceKey | null = null;
let source: EventSource | undefined;
let opensAt: number | null = null;
let clock: ReturnType<typeof setInterval> | undefined;

const retryAfterMs = (res: Response) => 1000 * (Number(res.headers.get("retry-after")) || 3);

function countdown(): void {
  const left = opensAt === null ? 0 : Math.max(0, Math.ceil((opensAt - Date.now()) / 1000));
  byId("opens").hidden = left === 0;
  const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
  byId("opens-in").textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
}

// the line is being restored after a failure: no position is true now, so none is shown;
// said once in the polite live region, cleared when true positions come back
function restoring(message?: string): void {
  const words = message || restoringWords;
  if (byId("restoring").textContent !== words) byId("restoring").textContent = words;
  byId("state").textContent = "Reconnecting to the line...";
  for (const id of ["position", "ahead", "behind"]) byId(id).textContent = "...";
  byId("wait").textContent = "being estimated";
}

function show(v: FanView): void {
  byId("restoring").textContent = "";
  byId("position").textContent = v.position.toLocaleString();
  byId("ahead").textContent = v.ahead.toLocaleString();
  byId("behind").textContent = v.behind.toLocaleString();
  byId("wait").textContent = v.waitTimeKnown ? "about " + v.waitTimeFormatted : "being estimated";
  const start = Math.max(Number(sessionStorage.getItem(startKey)) || 0, v.position);
  sessionStorage.setItem(startKey, String(start));
  const done = start > 1 ? Math.round((100 * (start - v.position)) / (start - 1)) : 100;
  const progress = byId("progress");
  progress.style.width = done + "%";
  progress.parentElement?.setAttribute("aria-valuenow", String(done));
  const note = labels[v.status];
  byId("notice").hidden = !note;
  byId("notice").textContent = note || "";
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
  byId("state").textContent = body.message || "The sale is over.";
  byId("notice").hidden = false;
  byId("notice").textContent = (body.status && labels[body.status]) || labels.closed!;
}

/** A POST of this page, with the device key's proof and the ticket bound to it when there is a key; a stale proof is made again once, on the edge's clock. */
async function post(path: string, retried = false): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) {
    headers.dpop = await proof(key, "POST", path, key.ticket);
    if (key.ticket) headers["x-queue-ticket"] = key.ticket;
  }
  const res = await fetch(path, { method: "POST", credentials: "same-origin", headers });
  if (!retried && res.status === 401 && key && (await jsonBody(res.clone())).code === "DPOP_STALE" && learnClock(res)) return post(path, true);
  return res;
}

function refused(body: ApiBody): boolean {
  if (!body.code || !REFUSED.includes(body.code)) return false;
  source?.close();
  byId("line").hidden = true;
  byId("state").textContent = body.message || "This place in line cannot be used here.";
  return true;
}

async function claim(): Promise<void> {
  byId("state").textContent = "It's your turn! Taking you in...";
  const res = await post("/queue/" + eventId + "/claim");
  const body = await jsonBody<ApiBody & { redirect?: string; activeToken?: string }>(res);
  if (res.ok) {
    if (key && body.activeToken) await remember(key, { activeToken: body.activeToken });
    sessionStorage.removeItem(startKey);
    location.replace(body.redirect || "/events/" + eventId);
    return;
  }
  if (refused(body)) return;
  byId("state").textContent = body.message || "Your turn could not be claimed.";
  if (body.code === "RESTORING" || res.status === 503) setTimeout(claim, retryAfterMs(res));
  if (body.code === "CLAIM_EXPIRED" || body.code === "NOT_ADMITTED") setTimeout(() => void rejoin(), 3000);
}

/** `again`: the old place is gone (expired, not admitted): the progress starts over. */
async function rejoin(again = true): Promise<void> {
  if (again) sessionStorage.removeItem(startKey);
  const res = await post("/queue/" + eventId + "/join");
  if (res.ok) {
    const v = (await res.json()) as FanView & { admitted?: boolean; ticket?: string };
    if (key && v.ticket && v.ticket !== key.ticket) await remember(key, { ticket: v.ticket });
    if (v.admitted) return claim();
    byId("state").textContent = "You are in line. Keep this page open; it updates by itself.";
    show(v);
    connect();
    return;
  }
  const body = await jsonBody(res);
  if (refused(body)) return;
  if (body.code === "RESTORING") {
    restoring(body.message);
    setTimeout(() => void rejoin(again), retryAfterMs(res));
    return;
  }
  byId("state").textContent = body.message || "Could not join the line.";
}

function connect(): void {
  source?.close();
  const stream = (source = new EventSource("/queue/" + eventId + "/events"));
  const data = <T>(e: Event) => JSON.parse((e as MessageEvent<string>).data) as T;
  stream.addEventListener("position", (e) => {
    byId("state").textContent = "You are in line.";
    show(data<FanView>(e));
  });
  stream.addEventListener("admitted", () => {
    stream.close();
    void claim();
  });
  stream.addEventListener("expired", () => {
    stream.close();
    void rejoin();
  });
  stream.addEventListener("closed", (e) => over(data<ApiBody>(e)));
  stream.addEventListener("restoring", (e) => restoring(data<ApiBody>(e).message));
  stream.onerror = () => {
    if (stream.readyState !== EventSource.CLOSED) byId("state").textContent = "Reconnecting... you keep your place.";
  };
}

for (const t of document.querySelectorAll("time[datetime]")) t.textContent = new Date(t.getAttribute("datetime")!).toLocaleString();
const initial = pageJson<FanView>("initialView");
if (initial) show(initial);
// a key is made only when this page joins a sale that binds places; one kept from an
// earlier join of this event is used whatever the setting is now (its place is bound)
void deviceKey(eventId, joining && binding !== "off").then((found) => {
  key = found;
  if (joining) void rejoin(false);
  else connect();
});
