/**
 * The organiser dashboard's script (see edge/src/dashboard-page.ts): asks for the admin key
 * (kept in sessionStorage for the tab) or takes it from the `#key=...` fragment of the link
 * `bun run dev` prints and clears the fragment at once; polls
 * GET /admin/events/:eventId/dashboard once a second (only newer samples after the first
 * call), draws the last ten minutes with uPlot and sends the waiting room controls.
 */
import type uPlotClass from "uplot";
import { accessPanel } from "./access-panel.ts";
import { bypassPanel } from "./bypass-panel.ts";
import { pagesPanel } from "./pages-panel.ts";
import { byId, pageData } from "./dom.ts";
import { reportPanel } from "./report-panel.ts";
import { roomsPanel } from "./rooms-panel.ts";
import { waitlistPanel } from "./waitlist-panel.ts";

type Chart = uPlotClass;
type Options = uPlotClass.Options;

interface Sample {
  t: number;
  waiting?: number;
  admittedPerSec?: number;
  targetRate?: number;
  activeSessions?: number;
  unclaimed?: number;
  maxActive?: number;
  heldSeats?: number;
  soldSeats?: number;
  purchasesPerSec?: number;
  soldPerSec?: number;
  purchaseP95Ms?: number | null;
  ceilingRate?: number;
  restoredAt?: number | null;
  restoreKind?: string | null;
  replacedTotal?: number | null;
}
interface QueueView {
  status: string;
  waiting: number;
  activeSessions: number;
  rates: { measured: number; target?: number | null; ceiling: number; ceilingSource: string };
  settings: { maxActive: number; rate: number; minChance?: number | null; challenge?: string; challengeFailure?: string; presenceGraceSeconds?: number; inviteOnly?: boolean; identity?: string; deviceBinding?: string; standby?: boolean; standbyNewPerMinute?: number | null; standbyActiveSessions?: number | null; queueingStatusCode?: number; extensionSeconds?: number; extensionBudgetMinutes?: number; choiceMarginSeats?: number | null; closesAt?: string | null };
  /** the budget of extra time (accessible timing), as used so far */
  extensions?: { granted: number; usedSeconds: number; leftSeconds: number };
  /** passing: new fans go straight through; queueing: a threshold was passed; null: standby off */
  standbyMode?: string | null;
  restoredAt?: number | null;
  restoreKind?: string | null;
  replacedTotal?: number | null;
}
interface Dashboard {
  now: number;
  queue: QueueView;
  samples: Sample[];
}
/** label, CSS variable of its colour, value, dash pattern */
type SeriesDef = [string, string, (s: Sample) => number | null | undefined, number[]?];

class CallError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

const eventId = pageData("eventId");
const KEY = "cu-admin-key";
const WINDOW_S = 600;
const base = "/admin/events/" + encodeURIComponent(eventId);
let key = sessionStorage.getItem(KEY);
let samples: Sample[] = [];
let lastT = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let charts: Record<string, Chart> | null = null;
let generation = 0;

// a signed-in link (#key=...), on load or pasted into this tab: kept as a typed key is,
// and gone from the address bar and history; true when it brought a key
function takeLinkedKey(): boolean {
  if (!location.hash.startsWith("#key=")) return false;
  let linked = "";
  try {
    linked = decodeURIComponent(location.hash.slice(5)).trim();
  } catch {}
  history.replaceState(null, "", location.pathname + location.search);
  if (!linked) return false;
  key = linked;
  sessionStorage.setItem(KEY, key);
  return true;
}
takeLinkedKey();

const fmt = (v: number | null | undefined, digits?: number) =>
  v === null || v === undefined || Number.isNaN(v) ? "-" : Number(v).toLocaleString(undefined, { maximumFractionDigits: digits ?? 1 });

function showError(message: string): void {
  byId("error").textContent = message || "";
  byId("error").hidden = !message;
}

function messageFor(status: number, body: { message?: string } | null): string {
  if (status === 401) return "The admin key was not accepted. Check it and enter it again.";
  if (status === 429) return "Too many requests from this address; wait a minute and try again.";
  if (status === 404) return body?.message || "This event has no waiting room.";
  if (status === 409) return body?.message || "That change is not possible now.";
  if (status === 400) return body?.message || "The value was not accepted.";
  return body?.message || "The request failed (HTTP " + status + ").";
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      cache: "no-store",
      headers: { authorization: "Bearer " + key, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new CallError("The dashboard cannot reach the server; retrying.", 0);
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {}
  if (!res.ok) throw new CallError(messageFor(res.status, data as { message?: string } | null), res.status);
  return data as T;
}

const seriesDefs: Record<string, SeriesDef[]> = {
  "chart-waiting": [["Waiting", "--brand", (s) => s.waiting]],
  "chart-admissions": [["Admitted/s", "--brand", (s) => s.admittedPerSec], ["Target rate/s", "--amber", (s) => s.targetRate, [6, 4]]],
  "chart-sessions": [["Active sessions", "--brand", (s) => s.activeSessions], ["Unclaimed", "--teal", (s) => s.unclaimed], ["maxActive", "--danger", (s) => s.maxActive, [6, 4]]],
  "chart-holds": [["Held seats", "--brand", (s) => s.heldSeats]],
  "chart-purchases": [["Purchases/s", "--brand", (s) => s.purchasesPerSec], ["Seats sold/s", "--green", (s) => s.soldPerSec]],
  "chart-latency": [["p95 ms", "--danger", (s) => s.purchaseP95Ms]],
  "chart-adaptive": [["Target (adaptive) rate/s", "--amber", (s) => s.targetRate], ["Ceiling/s", "--grey", (s) => s.ceilingRate, [6, 4]]],
};

/** A colour of the site's one palette (the stylesheet's custom properties). */
const colour = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function width(el: HTMLElement): number {
  return Math.max(240, Math.floor(el.clientWidth || el.getBoundingClientRect().width || 320));
}

function makeCharts(Plot: typeof uPlotClass): Record<string, Chart> {
  const out: Record<string, Chart> = {};
  for (const [id, defs] of Object.entries(seriesDefs)) {
    const el = byId(id);
    el.textContent = "";
    const options: Options = {
      width: width(el),
      height: 200,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      // one sample alone would make uPlot pad the time axis by years: show the minute before it
      scales: { x: { time: true, range: (_u, min, max) => (max - min < 1 ? [max - 60, max] : [min, max]) }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      series: [{}, ...defs.map(([label, stroke, , dash]) => ({ label, stroke: colour(stroke), width: 2, dash, spanGaps: false }))],
      axes: [{}, { size: 56 }],
    };
    out[id] = new Plot(options, [[], ...defs.map(() => [])], el);
  }
  return out;
}

function redraw(): void {
  if (!charts) return;
  const xs = samples.map((s) => s.t / 1000);
  const last = samples[samples.length - 1];
  for (const [id, defs] of Object.entries(seriesDefs)) {
    charts[id]!.setData([xs, ...defs.map((d) => samples.map((s) => d[2](s) ?? null))]);
    byId(id + "-now").textContent = last ? "(now: " + defs.map((d) => d[0] + " " + fmt(d[2](last))).join(", ") + ")" : "(no samples yet)";
  }
}

function showQueue(q: QueueView): void {
  byId("s-status").textContent = q.status;
  byId("s-waiting").textContent = fmt(q.waiting, 0);
  byId("s-measured").textContent = fmt(q.rates.measured, 2);
  byId("s-target").textContent = fmt(q.rates.target ?? q.rates.ceiling, 2);
  byId("s-ceiling").textContent = fmt(q.rates.ceiling, 2) + " (" + q.rates.ceilingSource + ")";
  byId("s-active").textContent = fmt(q.activeSessions, 0) + " / " + fmt(q.settings.maxActive, 0);
  byId<HTMLButtonElement>("pause").disabled = q.status !== "open";
  byId<HTMLButtonElement>("resume").disabled = q.status !== "paused";
  byId<HTMLButtonElement>("close").disabled = q.status === "soldout";
  if (document.activeElement !== byId("rate")) byId<HTMLInputElement>("rate").placeholder = fmt(q.rates.ceiling, 3);
  if (document.activeElement !== byId("max-active")) byId<HTMLInputElement>("max-active").placeholder = String(q.settings.maxActive);
  if (document.activeElement !== byId("min-chance")) byId<HTMLInputElement>("min-chance").placeholder = q.settings.minChance ? String(q.settings.minChance) : "never";
  // the organiser's choice as the origin holds it, unless they are choosing right now
  const form = byId("challenge-form");
  if (!form.contains(document.activeElement) && !form.dataset.dirty) {
    byId<HTMLSelectElement>("challenge").value = q.settings.challenge ?? "off";
    byId<HTMLSelectElement>("challenge-failure").value = q.settings.challengeFailure ?? "refuse";
  }
  if (document.activeElement !== byId("margin")) byId<HTMLInputElement>("margin").placeholder = q.settings.choiceMarginSeats === null || q.settings.choiceMarginSeats === undefined ? "off" : String(q.settings.choiceMarginSeats);
  const closes = byId("closes-form");
  if (!closes.contains(document.activeElement) && !closes.dataset.dirty) byId<HTMLInputElement>("closes-at").value = q.settings.closesAt ? localInputValue(new Date(q.settings.closesAt)) : "";
  if (document.activeElement !== byId("grace") && q.settings.presenceGraceSeconds) byId<HTMLInputElement>("grace").placeholder = fmt(q.settings.presenceGraceSeconds / 60, 1);
  showExtensions(q);
  access.showInviteOnly(q.settings.inviteOnly);
  // the organiser's choice is shown until they pick another one (and until it is set)
  const binding = byId<HTMLSelectElement>("device-binding");
  if (document.activeElement !== binding && !binding.dataset.picked) binding.value = q.settings.deviceBinding ?? "off";
  const identity = byId<HTMLSelectElement>("identity");
  if (document.activeElement !== identity && !identity.dataset.picked) identity.value = q.settings.identity ?? "off";
  showStandby(q);
}

/** The extra time fans may ask for (WCAG 2.2.1) and how much of the event's budget is left. */
function showExtensions(q: QueueView): void {
  if (q.settings.extensionSeconds === undefined || !q.extensions) return;
  if (document.activeElement !== byId("extension-seconds")) byId<HTMLInputElement>("extension-seconds").placeholder = String(q.settings.extensionSeconds);
  if (document.activeElement !== byId("extension-budget")) byId<HTMLInputElement>("extension-budget").placeholder = String(q.settings.extensionBudgetMinutes);
  const left = q.extensions.leftSeconds;
  byId("extension-left").textContent =
    "Budget left: " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") + " of " + q.settings.extensionBudgetMinutes + ":00 (" + q.extensions.granted + " extensions given)";
}

/** Standby's settings as the origin holds them (unless the organiser is editing them), and whether fans pass now. */
function showStandby(q: QueueView): void {
  const s = q.settings;
  byId("s-standby").textContent = !s.standby ? "off" : q.standbyMode === "passing" ? "fans go straight to the sale" : q.standbyMode === "queueing" ? "fans queue (a threshold was passed)" : "deciding";
  const form = byId("standby-form");
  if (form.contains(document.activeElement) || form.dataset.dirty) return;
  byId<HTMLInputElement>("standby").checked = s.standby === true;
  byId<HTMLInputElement>("standby-new").placeholder = s.standbyNewPerMinute ? String(s.standbyNewPerMinute) : "";
  byId<HTMLInputElement>("standby-active").placeholder = s.standbyActiveSessions ? String(s.standbyActiveSessions) : "";
  byId<HTMLSelectElement>("queueing-status").value = String(s.queueingStatusCode ?? 200);
}

// the origin restored the line after Redis lost it: when, how much was lost, fans put back
function showRestore(q: QueueView, last: Sample | undefined): void {
  type RestoreField = "restoredAt" | "restoreKind" | "replacedTotal";
  const pick = <F extends RestoreField>(name: F): QueueView[F] | null =>
    q && q[name] !== undefined && q[name] !== null ? q[name] : last && last[name] !== undefined ? (last[name] as QueueView[F]) : null;
  const at = pick("restoredAt");
  byId("s-restore-box").hidden = !at;
  if (!at) return;
  const kind = pick("restoreKind");
  const replaced = pick("replacedTotal");
  byId("s-restore").textContent =
    (kind === "partial" ? "Partial loss" : kind === "full" ? "Full loss" : "Restored") +
    ", " +
    new Date(Number(at)).toLocaleTimeString() +
    (replaced === null || replaced === undefined ? "" : "; " + fmt(replaced, 0) + " fans put back");
}

function showLatest(): void {
  const last = samples[samples.length - 1];
  if (!last) return;
  byId("s-held").textContent = fmt(last.heldSeats, 0);
  byId("s-sold").textContent = fmt(last.soldSeats, 0);
  byId("s-p95").textContent = last.purchaseP95Ms === null ? "-" : fmt(last.purchaseP95Ms, 1) + " ms";
}

async function poll(gen: number): Promise<void> {
  if (gen !== generation) return;
  try {
    const d = await call<Dashboard>("GET", base + "/dashboard" + (lastT ? "?since=" + lastT : ""));
    if (gen !== generation) return;
    if (!charts) {
      byId("key-section").hidden = true;
      byId("dashboard").hidden = false;
      charts = makeCharts(uPlot!);
    }
    for (const s of d.samples) if (s.t > lastT) samples.push(s);
    if (samples.length) lastT = samples[samples.length - 1]!.t;
    const from = d.now - WINDOW_S * 1000;
    samples = samples.filter((s) => s.t >= from);
    showQueue(d.queue);
    showLatest();
    showRestore(d.queue, samples[samples.length - 1]);
    redraw();
    byId("updated").textContent = "(updated " + new Date(d.now).toLocaleTimeString() + ")";
    showError("");
  } catch (e) {
    if (gen !== generation) return;
    showError((e as Error).message);
    if (e instanceof CallError && e.status === 401) return forget(false);
  }
  timer = setTimeout(() => poll(gen), 1000);
}

function start(): void {
  generation++;
  clearTimeout(timer);
  samples = [];
  lastT = 0;
  void poll(generation);
  access.load().catch((e: Error) => showError(e.message));
  bypass.load().catch((e: Error) => showError(e.message));
  pages.load().catch((e: Error) => showError(e.message));
  rooms.load().catch((e: Error) => (byId("rooms-notice").textContent = e.message));
  report.load().catch((e: Error) => (byId("report-notice").textContent = e.message));
  waitlist.load().catch((e: Error) => (byId("wl-notice").textContent = e.message));
}

function forget(clearError: boolean): void {
  generation++;
  clearTimeout(timer);
  sessionStorage.removeItem(KEY);
  key = null;
  if (charts) for (const chart of Object.values(charts)) chart.destroy();
  charts = null;
  byId("dashboard").hidden = true;
  byId("key-section").hidden = false;
  if (clearError) showError("");
  byId<HTMLInputElement>("admin-key").value = "";
  byId("admin-key").focus();
}

async function act(button: HTMLButtonElement, method: string, path: string, body: unknown, done: (q: QueueView) => string): Promise<boolean> {
  button.disabled = true;
  byId("notice").textContent = "";
  try {
    const q = await call<QueueView>(method, base + path, body);
    showQueue(q);
    byId("notice").textContent = done(q);
    showError("");
    return true;
  } catch (e) {
    showError((e as Error).message);
    if (e instanceof CallError && e.status === 401) forget(false);
    return false;
  } finally {
    button.disabled = false;
  }
}

const buttonOf = (ev: Event) => ev.currentTarget as HTMLButtonElement;
const access = accessPanel(call, base, (message) => {
  byId("access-notice").textContent = message;
});
const bypass = bypassPanel(call, base, (message) => {
  byId("bypass-notice").textContent = message;
});
const pages = pagesPanel(call, base, (message) => {
  byId("pages-notice").textContent = message;
});
const rooms = roomsPanel(call, base, eventId, (message) => {
  byId("rooms-notice").textContent = message;
});

/** A file of the admin API (the report's downloads), with the key. */
async function fetchFile(path: string): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(path, { cache: "no-store", headers: { authorization: "Bearer " + key } });
  } catch {
    throw new CallError("The dashboard cannot reach the server.", 0);
  }
  if (!res.ok) {
    let data: { message?: string } | null = null;
    try {
      data = (await res.json()) as { message?: string };
    } catch {}
    throw new CallError(messageFor(res.status, data), res.status);
  }
  return res.blob();
}
const report = reportPanel(call, fetchFile, base, eventId, (message) => {
  byId("report-notice").textContent = message;
});

const waitlist = waitlistPanel(call, base, (message) => {
  byId("wl-notice").textContent = message;
});

byId("key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  key = byId<HTMLInputElement>("admin-key").value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY, key);
  byId<HTMLInputElement>("admin-key").value = "";
  showError("");
  start();
});
byId("forget").addEventListener("click", () => forget(true));
window.addEventListener("hashchange", () => {
  if (takeLinkedKey()) {
    showError("");
    start();
  }
});
byId("pause").addEventListener("click", (ev) => act(buttonOf(ev), "POST", "/queue/pause", undefined, () => "Admissions paused: fans keep their places."));
byId("resume").addEventListener("click", (ev) => act(buttonOf(ev), "POST", "/queue/resume", undefined, () => "Admissions resumed."));
byId("close").addEventListener("click", (ev) => {
  if (!confirm("Close the sale as sold out? Waiting fans are told at once and admissions stop.")) return;
  void act(buttonOf(ev), "POST", "/queue/close", { reason: "soldout" }, () => "The sale is closed as sold out.");
});
byId("rate-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const rate = Number(byId<HTMLInputElement>("rate").value);
  if (await act(byId("rate-submit"), "PATCH", "/queue", { rate }, (q) => "Rate set to " + fmt(q.settings.rate, 3) + " fans per second.")) byId<HTMLInputElement>("rate").value = "";
});
byId("max-active-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const maxActive = Number(byId<HTMLInputElement>("max-active").value);
  if (await act(byId("max-active-submit"), "PATCH", "/queue", { maxActive }, (q) => "maxActive set to " + fmt(q.settings.maxActive, 0) + ".")) byId<HTMLInputElement>("max-active").value = "";
});
byId("min-chance-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const raw = byId<HTMLInputElement>("min-chance").value;
  const minChance = raw === "" ? null : Number(raw);
  const said = (q: QueueView) => (q.settings.minChance ? "The line stops where the chance of tickets falls below " + q.settings.minChance + " %." : "The line never stops early.");
  if (await act(byId("min-chance-submit"), "PATCH", "/queue", { minChance }, said)) byId<HTMLInputElement>("min-chance").value = "";
});
byId("challenge-form").addEventListener("change", () => (byId("challenge-form").dataset.dirty = "1"));
byId("challenge-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const challenge = byId<HTMLSelectElement>("challenge").value;
  const challengeFailure = byId<HTMLSelectElement>("challenge-failure").value;
  const said = (q: QueueView) => "Challenge: " + (q.settings.challenge ?? challenge) + "; a failed one is " + (q.settings.challengeFailure === "infinite" ? "sent to an infinite queue." : "refused.");
  if (await act(byId("challenge-submit"), "PATCH", "/queue", { challenge, challengeFailure }, said)) delete byId("challenge-form").dataset.dirty;
});
byId("grace-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const presenceGraceSeconds = Math.round(Number(byId<HTMLInputElement>("grace").value) * 60);
  const said = (q: QueueView) => "Waiting fans may now be away " + fmt((q.settings.presenceGraceSeconds ?? presenceGraceSeconds) / 60, 1) + " minutes and keep their place.";
  if (await act(byId("grace-submit"), "PATCH", "/queue", { presenceGraceSeconds }, said)) byId<HTMLInputElement>("grace").value = "";
});
byId("extension-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body: Record<string, number> = {};
  const seconds = byId<HTMLInputElement>("extension-seconds").value;
  const minutes = byId<HTMLInputElement>("extension-budget").value;
  if (seconds !== "") body.extensionSeconds = Number(seconds);
  if (minutes !== "") body.extensionBudgetMinutes = Number(minutes);
  if (Object.keys(body).length === 0) return;
  const said = (q: QueueView) =>
    q.settings.extensionSeconds ? "Fans may ask once for " + q.settings.extensionSeconds + " s more, from " + q.settings.extensionBudgetMinutes + " minutes over all fans." : "Fans get no extra time.";
  if (await act(byId("extension-submit"), "PATCH", "/queue", body, said)) {
    byId<HTMLInputElement>("extension-seconds").value = "";
    byId<HTMLInputElement>("extension-budget").value = "";
  }
});

byId("margin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const raw = byId<HTMLInputElement>("margin").value.trim();
  const choiceMarginSeats = raw === "" ? null : Math.round(Number(raw));
  const said = (q: QueueView) =>
    q.settings.choiceMarginSeats === null || q.settings.choiceMarginSeats === undefined ? "Seat budgets off: admissions count fans only." : "Seat budgets on: declared seats may pass each tier's unsold seats by " + q.settings.choiceMarginSeats + ".";
  if (await act(byId("margin-submit"), "PATCH", "/queue", { choiceMarginSeats }, said)) byId<HTMLInputElement>("margin").value = "";
});
/** A date as a datetime-local field shows it: the browser's own time zone, to the minute. */
function localInputValue(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + "T" + two(d.getHours()) + ":" + two(d.getMinutes());
}

byId("closes-at").addEventListener("input", () => (byId("closes-form").dataset.dirty = "1"));
byId("closes-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const raw = byId<HTMLInputElement>("closes-at").value;
  // the field holds the organiser's local time; the origin takes an instant
  const at = raw === "" ? null : new Date(raw);
  if (at && Number.isNaN(at.getTime())) return showError("The closing time is not a date and time.");
  const closesAt = at ? at.toISOString() : null;
  const said = (q: QueueView) =>
    q.settings.closesAt ? "The sale closes at " + new Date(q.settings.closesAt).toLocaleString() + "; seats held past it count as gone for sold out." : "No closing time: the sale stays open until it is closed or sold out.";
  if (await act(byId("closes-submit"), "PATCH", "/queue", { closesAt }, said)) delete byId("closes-form").dataset.dirty;
});
byId("customer-limit-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const button = byId<HTMLButtonElement>("customer-limit-submit");
  const typed = byId<HTMLInputElement>("customer-limit").value.trim();
  const customerLimit = typed === "" ? null : Number(typed);
  button.disabled = true;
  byId("notice").textContent = "";
  try {
    const event = await call<{ customerLimit: number | null }>("PATCH", base + "/limits", { customerLimit });
    byId("notice").textContent = event.customerLimit === null ? "No limit of tickets per customer." : "Each customer may hold and buy up to " + fmt(event.customerLimit, 0) + " tickets.";
    byId<HTMLInputElement>("customer-limit").placeholder = event.customerLimit === null ? "" : String(event.customerLimit);
    byId<HTMLInputElement>("customer-limit").value = "";
    showError("");
  } catch (e) {
    showError((e as Error).message);
    if (e instanceof CallError && e.status === 401) forget(false);
  } finally {
    button.disabled = false;
  }
});
byId("standby-form").addEventListener("change", () => (byId("standby-form").dataset.dirty = "1"));
byId("standby-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body: Record<string, unknown> = { standby: byId<HTMLInputElement>("standby").checked, queueingStatusCode: Number(byId<HTMLSelectElement>("queueing-status").value) };
  const perMinute = byId<HTMLInputElement>("standby-new").value.trim();
  const active = byId<HTMLInputElement>("standby-active").value.trim();
  if (perMinute !== "") body.standbyNewPerMinute = Number(perMinute);
  if (active !== "") body.standbyActiveSessions = Number(active);
  const said = (q: QueueView) =>
    (q.settings.standby ? "Standby on: fans go straight through under " + fmt(q.settings.standbyNewPerMinute ?? 0, 0) + " new fans a minute and " + fmt(q.settings.standbyActiveSessions ?? 0, 0) + " active sessions." : "Standby off: every fan queues.") +
    " Queued fans' page answers " + (q.settings.queueingStatusCode ?? 200) + ".";
  if (await act(byId("standby-submit"), "PATCH", "/queue", body, said)) {
    delete byId("standby-form").dataset.dirty;
    byId<HTMLInputElement>("standby-new").value = "";
    byId<HTMLInputElement>("standby-active").value = "";
  }
});
byId("device-binding").addEventListener("change", () => (byId("device-binding").dataset.picked = "1"));
byId("binding-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const deviceBinding = byId<HTMLSelectElement>("device-binding").value;
  if (await act(byId("binding-submit"), "PATCH", "/queue", { deviceBinding }, (q) => "Device binding set to " + (q.settings.deviceBinding ?? "off") + ".")) delete byId("device-binding").dataset.picked;
});
byId("identity").addEventListener("change", () => (byId("identity").dataset.picked = "1"));
byId("identity-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const identity = byId<HTMLSelectElement>("identity").value;
  if (await act(byId("identity-submit"), "PATCH", "/queue", { identity }, (q) => "Identity step set to " + (q.settings.identity ?? "off") + ".")) delete byId("identity").dataset.picked;
});
let resizing: ReturnType<typeof setTimeout> | undefined;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    if (charts) for (const [id, chart] of Object.entries(charts)) chart.setSize({ width: width(byId(id)), height: 200 });
  }, 150);
});

if (typeof uPlot !== "function") showError("The chart library did not load; reload the page.");
else if (key) start();
else byId("admin-key").focus();
