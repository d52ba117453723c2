/**
 * The sale page's script (see edge/src/sale-page.ts): draws the seat map, holds up to the
 * per-order limit with a countdown, pays, and shows the order. It talks to the origin only
 * through the edge's /api/* proxy. A refresh finds the fan's hold again (GET /holds) or
 * shows the order again (?order= in the URL); an order bought in another tab of the same
 * sale (told through localStorage) is shown instead of a hold that is gone. Beside the
 * hold's countdown, "I need more time" (WCAG 2.2.1 Timing Adjustable) extends the hold once,
 * shown only while the origin says an extension can be given (the hold's extendBySeconds),
 * then kept, disabled, saying the time was given; what it did is said in the polite status
 * line. The countdown itself is not a live region: a screen reader would hear every second.
 * Every text is the page's catalogue (data-texts, edge/src/i18n, the `sale` section), with
 * numbers, prices and dates in the locale of <html lang>.
 */
import type { Catalogue } from "../src/i18n/en.ts";
import { dateTime, fill, formatNumber } from "../src/i18n/format.ts";
import { deviceKey, learnClock, proof, type DeviceKey } from "./device-key.ts";
import { byId, jsonBody, pageData, pageJson, type ApiBody } from "./dom.ts";

type SeatStatus = "available" | "held" | "sold";
interface Seat {
  id: string;
  section: string;
  row: string;
  number: number;
  tier: string;
  priceCents: number;
  status: SeatStatus;
}
interface Counts {
  available: number;
  held: number;
  sold: number;
}
interface SaleEvent {
  name?: string;
  venue?: string;
  startsAt?: string;
  currency?: string;
  perOrderLimit?: number;
  tiers?: Array<{ tier: string; priceCents: number }>;
}
interface Hold {
  holdId: string;
  seatIds: string[];
  expiresAt: string;
  /** best available only: false when no row had that many seats side by side */
  adjacent?: boolean;
  /** seconds one extension would add now; 0 when none can be given */
  extendBySeconds?: number;
  /** this page extended the hold (its one extension) */
  extended?: boolean;
}
interface Order {
  orderId: string;
  currency?: string;
  amountCents: number;
  seats: Array<{ seatId: string }>;
  releasedSeatIds?: string[];
}

const eventId = pageData("eventId");
/** the page's texts (the catalogue's `sale` section, edge/src/i18n) and its locale, for numbers, prices and dates */
const t = pageJson<Catalogue["sale"]>("texts")!;
const locale = document.documentElement.lang || "en";
/** The edge's or origin's own message when the page is in English (they speak English), else the catalogue's words. */
const english = locale.toLowerCase().startsWith("en");
const theirs = (message: string | undefined, ours: string) => (english && message) || ours;
const num = (n: number) => formatNumber(locale, n);
const mmss = (seconds: number) => Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
const statusWord = (status: SeatStatus) => ({ available: t.available, held: t.held, sold: t.sold })[status];
const api = "/api/events/" + eventId;
const payKey = "cu-pay-" + eventId;
// the order bought in this turn, shared with the fan's other tabs: { orderId, at }
const boughtKey = "cu-bought-" + eventId;
const openedAt = Date.now();
const ENDED_CODES = ["SESSION_INACTIVE", "TOKEN_INVALID", "TOKEN_MISSING", "NOT_ADMITTED"];
// the session is bound to another device (a copied token): this page cannot use it
const NOT_HERE_CODES = ["DPOP_REQUIRED", "DPOP_WRONG_KEY"];
// the device key the waiting page kept for this event, with the active token bound to it
const bound: Promise<DeviceKey | null> = deviceKey(eventId, false);
const STATUS: Record<string, SeatStatus> = { a: "available", h: "held", s: "sold" };

let event: SaleEvent | undefined;
const seats = new Map<string, Seat>();
// order: seat ids as the map lists them, which is the order of /seats/status's letters
let order: string[] = [];
const picked = new Set<string>();
let hold: Hold | null = null;
/** choosing other seats for the hold ("Change seats"): `picked` is the new set, the hold's seats at first */
let changing = false;
let timer: ReturnType<typeof setInterval> | undefined;
let poll: ReturnType<typeof setInterval> | undefined;

const money = (cents: number) => new Intl.NumberFormat(locale, { style: "currency", currency: event?.currency || "USD" }).format(cents / 100);
const say = (text: string, isError = false) => {
  byId("message").textContent = text;
  byId("message").className = isError ? "error" : "muted";
};
const seatElement = (id: string) => document.getElementById("seat-" + id) as HTMLButtonElement | null;

/** One /api call; with a device key it names its token and carries a fresh proof (a stale one is made again once, on the edge's clock). */
async function call<T = ApiBody>(path: string, init: RequestInit = {}, retried = false): Promise<{ res: Response; body: T & ApiBody }> {
  const key = await bound;
  const headers = new Headers(init.headers);
  if (key?.activeToken) {
    headers.set("authorization", "DPoP " + key.activeToken);
    headers.set("dpop", await proof(key, init.method ?? "GET", path, key.activeToken));
  }
  const res = await fetch(path, { credentials: "same-origin", ...init, headers });
  const body = await jsonBody<T & ApiBody>(res);
  if (!retried && key && body.code === "DPOP_STALE" && learnClock(res)) return call(path, init, true);
  if (body.code && NOT_HERE_CODES.includes(body.code)) notHere(body);
  return { res, body };
}

function notHere(body: ApiBody): void {
  clearInterval(timer);
  clearInterval(poll);
  byId("sale").hidden = true;
  byId("elsewhere").hidden = false;
  byId("elsewhere-why").textContent = body.message ?? "";
}

function seatButton(s: Seat): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "seat " + s.status;
  b.id = "seat-" + s.id;
  b.dataset.label = fill(t.seatLabel, { section: s.section, row: s.row, number: num(s.number), tier: s.tier, price: money(s.priceCents) });
  b.setAttribute("aria-label", b.dataset.label + ", " + statusWord(s.status));
  b.setAttribute("aria-pressed", "false");
  b.disabled = s.status !== "available";
  b.onclick = () => toggle(s.id);
  return b;
}

const showCounts = (counts: Counts) => {
  byId("counts").textContent = fill(t.counts, { available: num(counts.available), held: num(counts.held), sold: num(counts.sold) });
};

function draw(map: { seats: Seat[]; counts: Counts }): void {
  const bySection = new Map<string, Seat[]>();
  order = map.seats.map((s) => s.id);
  for (const s of map.seats) {
    seats.set(s.id, s);
    const list = bySection.get(s.section) ?? [];
    list.push(s);
    bySection.set(s.section, list);
  }
  const root = byId("map");
  root.textContent = "";
  for (const [section, list] of bySection) {
    const wrap = document.createElement("div");
    wrap.className = "section";
    const width = Math.max(...list.map((s) => s.number));
    const heading = document.createElement("h3");
    heading.textContent = fill(t.section, { section, tier: list[0]!.tier, price: money(list[0]!.priceCents) });
    wrap.appendChild(heading);
    const grid = document.createElement("div");
    grid.className = "rows";
    grid.style.gridTemplateColumns = "3.2rem repeat(" + width + ", 1.5rem)";
    let row: string | null = null;
    for (const s of list) {
      if (s.row !== row) {
        row = s.row;
        const label = document.createElement("span");
        label.className = "row-label";
        label.setAttribute("aria-hidden", "true");
        label.textContent = fill(t.row, { row });
        label.style.gridColumn = "1";
        grid.appendChild(label);
      }
      const b = seatButton(s);
      b.style.gridColumn = String(s.number + 1);
      grid.appendChild(b);
    }
    wrap.appendChild(grid);
    root.appendChild(wrap);
  }
  showCounts(map.counts);
}

/** statuses: [seat id, status] pairs */
function refreshStatuses(statuses: Array<[string, SeatStatus | undefined]>, counts: Counts): void {
  for (const [id, status] of statuses) {
    const b = seatElement(id);
    if (!b) continue;
    const mine = hold !== null && hold.seatIds.includes(id);
    if (status !== "available" && picked.has(id) && !mine) picked.delete(id);
    paint(id, status ?? "sold");
    b.setAttribute("aria-label", b.dataset.label + ", " + (mine ? t.heldByYou : status ? statusWord(status) : ""));
  }
  showCounts(counts);
  summary();
}

/** A seat's look: picked (or held by this fan, when not changing them), else its status; a seat of the fan's hold is theirs to drop while changing. */
function paint(id: string, status: SeatStatus): void {
  const b = seatElement(id);
  if (!b) return;
  const mine = hold !== null && hold.seatIds.includes(id);
  const chosen = picked.has(id) || (mine && !changing);
  b.className = "seat " + (chosen ? "picked" : mine ? "available" : status);
  b.disabled = !mine && status !== "available";
  b.setAttribute("aria-pressed", String(chosen));
}

function toggle(id: string): void {
  if ((hold && !changing) || !event) return;
  const limit = event.perOrderLimit ?? 0;
  if (picked.has(id)) picked.delete(id);
  else if (picked.size >= limit) return say(fill(t.upTo, { limit: num(limit) }), true);
  else picked.add(id);
  paint(id, "available");
  summary();
}

/** "Change seats": the map picks the new set, starting from the seats held. */
function startChange(): void {
  if (!hold) return;
  changing = true;
  picked.clear();
  for (const id of hold.seatIds) picked.add(id);
  summary();
  say(t.changeStart);
}

function endChange(): void {
  const was = hold ? [...hold.seatIds, ...picked] : [...picked];
  changing = false;
  picked.clear();
  for (const id of was) paint(id, "held");
  summary();
  say(t.changeKept);
  void loadMap();
}

/** Holds the new set in place of the old one, all or nothing, keeping the hold's deadline. */
async function changeSeats(): Promise<void> {
  if (!hold || picked.size === 0) return;
  const button = byId<HTMLButtonElement>("change-save");
  button.disabled = true;
  const { res, body } = await call<Hold>(api + "/holds/" + hold.holdId + "/seats", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds: [...picked] }) });
  button.disabled = false;
  if (res.ok) {
    const old = hold.seatIds;
    hold = { ...hold, ...body };
    changing = false;
    picked.clear();
    for (const id of old) paint(id, "available");
    countdown();
    summary();
    say(t.changeDone);
  } else if (body.code === "SEAT_HELD" || body.code === "SEAT_SOLD") {
    await loadMap();
    say(theirs(body.message, t.seatTaken) + " " + t.changeTaken, true);
    return;
  } else if (body.code === "HOLD_EXPIRED") {
    changing = false;
    dropHold();
    say(t.changeHoldEnded, true);
  } else if (!ended(body)) say(theirs(body.message, t.changeFailed), true);
  await loadMap();
}

function summary(): void {
  const ids = hold && !changing ? hold.seatIds : [...picked];
  const total = ids.reduce((sum, id) => sum + (seats.get(id)?.priceCents ?? 0), 0);
  byId("picked").textContent = ids.length ? ids.join(", ") + " (" + money(total) + ")" : t.noneYet;
  byId<HTMLButtonElement>("hold").hidden = Boolean(hold);
  byId("best-form").hidden = Boolean(hold);
  byId<HTMLButtonElement>("hold").disabled = picked.size === 0;
  byId("release").hidden = !hold || changing;
  byId("pay").hidden = !hold || changing;
  byId("payment").hidden = !hold || changing;
  byId("change").hidden = !hold || changing;
  byId("change-save").hidden = !changing;
  byId<HTMLButtonElement>("change-save").disabled = picked.size === 0;
  byId("change-cancel").hidden = !changing;
}

// The full map (about 100 bytes a seat) is loaded once; refreshes read one letter a seat.
async function loadMap(): Promise<void> {
  if (order.length > 0) {
    const { res, body } = await call<{ states?: unknown; counts: Counts }>(api + "/seats/status");
    if (!res.ok && ended(body)) return;
    // anything unexpected (a layout that changed, an older origin): load the full map instead
    const states = body.states;
    if (res.ok && typeof states === "string" && states.length === order.length) {
      return refreshStatuses(order.map((id, i) => [id, STATUS[states[i]!]]), body.counts);
    }
  }
  const { res, body } = await call<{ seats: Seat[]; counts: Counts }>(api + "/seats");
  if (!res.ok) {
    ended(body);
    return;
  }
  if (order.length === 0) draw(body);
  refreshStatuses(body.seats.map((s) => [s.id, s.status]), body.counts);
}

function countdown(): void {
  clearInterval(timer);
  // after its one use the button stays, disabled, saying the time was given
  const extendButton = byId<HTMLButtonElement>("extend");
  extendButton.hidden = !hold || !(hold.extended || hold.extendBySeconds! > 0);
  extendButton.disabled = !!hold?.extended;
  extendButton.textContent = hold?.extended ? t.moreTimeUsed : t.moreTimeButton;
  if (!hold) {
    byId("countdown").textContent = "";
    return;
  }
  const expiresAt = Date.parse(hold.expiresAt);
  const tick = () => {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    byId("countdown").textContent = fill(t.heldFor, { time: mmss(left) });
    if (left === 0) {
      dropHold();
      say(t.holdExpired, true);
      void loadMap();
    }
  };
  tick();
  timer = setInterval(tick, 1000);
}

function dropHold(): void {
  hold = null;
  changing = false;
  picked.clear();
  countdown();
  summary();
}

async function holdSeats(): Promise<void> {
  byId<HTMLButtonElement>("hold").disabled = true;
  const { res, body } = await call<Hold>(api + "/holds", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds: [...picked] }) });
  if (res.status === 201) {
    hold = body;
    // the pay button shows with the message, not after the map's redraw
    summary();
    say(t.seatsHeld);
    countdown();
  } else if (body.code === "SEAT_HELD" || body.code === "SEAT_SOLD") {
    picked.clear();
    // redraw first, so the seat shows as taken by the time the fan reads why
    await loadMap();
    say(theirs(body.message, t.seatTaken) + " " + t.chooseAnother, true);
    return;
  } else if (!ended(body)) say(theirs(body.message, t.holdFailed), true);
  await loadMap();
}

/** Holds the best free seats for the chosen number and tier (the origin picks them, all or nothing). */
async function holdBest(e: Event): Promise<void> {
  e.preventDefault();
  if (hold) return;
  const button = byId<HTMLButtonElement>("best");
  button.disabled = true;
  const quantity = Number(byId<HTMLSelectElement>("best-qty").value);
  const tier = byId<HTMLSelectElement>("best-tier").value;
  const { res, body } = await call<Hold>(api + "/holds/best-available", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(tier ? { quantity, tier } : { quantity }),
  });
  button.disabled = false;
  if (res.status === 201) {
    picked.clear();
    hold = body;
    summary();
    say((body.adjacent === false ? fill(t.notSideBySide, { quantity: num(quantity) }) : t.sideBySide) + " " + t.payOrRelease);
    countdown();
  } else if (!ended(body)) say(theirs(body.message, t.noSeatsHeld), true);
  await loadMap();
}

/** "I need more time": the hold runs longer once; the countdown moves to the new expiry. */
async function extend(): Promise<void> {
  if (!hold) return;
  const button = byId<HTMLButtonElement>("extend");
  button.disabled = true;
  const { res, body } = await call<{ expiresAt: string }>(api + "/holds/" + hold.holdId + "/extend", { method: "POST" });
  if (!hold) return;
  if (res.ok) {
    const added = Math.round((Date.parse(body.expiresAt) - Date.parse(hold.expiresAt)) / 1000);
    hold = { ...hold, expiresAt: body.expiresAt, extendBySeconds: 0, extended: true };
    countdown();
    // focus stays on the map's side of the page: the button is gone, the status line says why
    say(fill(t.moreTimeGiven, { time: mmss(added), until: new Date(body.expiresAt).toLocaleTimeString(locale) }));
    byId("pay").focus();
    return;
  }
  button.disabled = false;
  if (ended(body)) return;
  hold = { ...hold, extendBySeconds: 0 };
  countdown();
  say(theirs(body.message, t.moreTimeRefused), true);
}

async function release(): Promise<void> {
  if (!hold) return;
  await call(api + "/holds/" + hold.holdId, { method: "DELETE" });
  dropHold();
  say(t.released);
  void loadMap();
}

async function pay(): Promise<void> {
  if (!hold) return;
  byId<HTMLButtonElement>("pay").disabled = true;
  say(t.paying);
  // the same key for this hold across retries and reloads: paying twice buys once
  const keys = JSON.parse(sessionStorage.getItem(payKey) || "{}") as Record<string, string>;
  const key = keys[hold.holdId] || (keys[hold.holdId] = crypto.randomUUID());
  sessionStorage.setItem(payKey, JSON.stringify(keys));
  const method = document.querySelector<HTMLInputElement>("input[name=card]:checked")!.value;
  const { res, body } = await call<Order>(api + "/holds/" + hold.holdId + "/purchase", {
    method: "POST",
    headers: { "idempotency-key": key, "content-type": "application/json" },
    body: JSON.stringify({ paymentMethod: method }),
  });
  byId<HTMLButtonElement>("pay").disabled = false;
  if (res.status === 503 && body.code === "PURCHASE_PENDING") return say(theirs(body.message, t.paying), true);
  sessionStorage.removeItem(payKey);
  if (res.status === 201) {
    history.replaceState(null, "", location.pathname + "?order=" + encodeURIComponent(body.orderId));
    keepQueryInSwitcher();
    try {
      localStorage.setItem(boughtKey, JSON.stringify({ orderId: body.orderId, at: Date.now() }));
    } catch {}
    return confirmation(body);
  }
  dropHold();
  say(theirs(body.message, t.paymentFailed), true);
  void loadMap();
}

/** note: what else the fan should know (seats released, bought elsewhere) */
function confirmation(bought: Order, note?: string): void {
  clearInterval(timer);
  clearInterval(poll);
  byId("sale").hidden = true;
  byId("expired").hidden = true;
  byId("done").hidden = false;
  byId("order-id").textContent = bought.orderId;
  byId("order-seats").textContent = bought.seats.map((s) => s.seatId).join(", ");
  byId("order-total").textContent = money(bought.amountCents);
  const released = bought.releasedSeatIds || [];
  byId("order-note").textContent =
    note || (released.length ? fill(t.otherHeldReleased, { seats: released.join(", ") }) : "");
}

const orderPath = (orderId: string) => "/api/orders/" + encodeURIComponent(orderId) + "?eventId=" + encodeURIComponent(eventId);

/** An order bought in another tab during this tab's turn, shown here instead of its hold. */
async function boughtElsewhere(): Promise<boolean> {
  let bought: { orderId?: string; at: number } | null = null;
  try {
    bought = JSON.parse(localStorage.getItem(boughtKey) || "null");
  } catch {}
  if (!bought || !bought.orderId || bought.at < openedAt - 60000) return false;
  if (!byId("done").hidden) return true;
  const { res, body } = await call<Order>(orderPath(bought.orderId));
  if (!res.ok) return false;
  event = event || { currency: body.currency };
  const here = hold ? hold.seatIds.filter((id) => !body.seats.some((s) => s.seatId === id)) : [];
  hold = null;
  confirmation(body, here.length ? fill(t.boughtElsewhereReleased, { seats: here.join(", ") }) : t.boughtElsewhere);
  return true;
}

window.addEventListener("storage", (e) => {
  if (e.key === boughtKey && e.newValue) void boughtElsewhere();
});

function ended(body: ApiBody): boolean {
  if (!body.code || !ENDED_CODES.includes(body.code)) return false;
  clearInterval(timer);
  clearInterval(poll);
  void boughtElsewhere().then((shown) => {
    if (shown) return;
    byId("sale").hidden = true;
    byId("expired").hidden = false;
  });
  return true;
}

byId("hold").onclick = holdSeats;
byId("release").onclick = release;
byId("change").onclick = startChange;
byId("change-save").onclick = changeSeats;
byId("change-cancel").onclick = endChange;
byId("extend").onclick = extend;
byId("pay").onclick = pay;
byId("best-form").onsubmit = holdBest;

/** The language switcher's links keep the page's own query (?order=, ?seats=), so a change of language shows the same step. */
function keepQueryInSwitcher(): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav.languages a[hreflang]")) {
    const query = new URLSearchParams(location.search);
    query.set("lang", a.hreflang);
    a.href = "?" + query.toString();
  }
}

async function start(): Promise<void> {
  keepQueryInSwitcher();
  const orderId = new URLSearchParams(location.search).get("order");
  if (orderId) {
    const { res, body } = await call<Order>(orderPath(orderId));
    if (res.ok) {
      event = { currency: body.currency };
      return confirmation(body);
    }
  }
  const { res, body } = await call<SaleEvent>(api);
  if (!res.ok) {
    if (!ended(body)) say(theirs(body.message, t.loadFailed), true);
    return;
  }
  event = body;
  byId("title").textContent = body.name ?? "";
  byId("venue").textContent = body.venue + (body.startsAt ? " \u00b7 " + dateTime(locale, new Date(body.startsAt)) : "");
  byId("tiers").textContent = (body.tiers ?? []).map((t) => t.tier + " " + money(t.priceCents)).join(" \u00b7 ");
  byId("limit").textContent = num(body.perOrderLimit ?? 0);
  for (let n = 1; n <= (body.perOrderLimit ?? 1); n++) byId("best-qty").appendChild(new Option(num(n), String(n), n === Math.min(2, body.perOrderLimit ?? 1), n === Math.min(2, body.perOrderLimit ?? 1)));
  for (const t of body.tiers ?? []) byId("best-tier").appendChild(new Option(t.tier + " " + money(t.priceCents), t.tier));
  const mine = await call<{ holds: Hold[] }>(api + "/holds");
  if (mine.res.ok && mine.body.holds.length > 0) {
    hold = mine.body.holds[0]!;
    say(t.stillHeld);
  } else if (new URLSearchParams(location.search).get("seats") === "none") {
    // the choice declared while waiting could not be held at the turn (routes/claim.ts)
    say(t.choiceNotHeld, true);
  }
  await loadMap();
  countdown();
  poll = setInterval(loadMap, 3000);
}

void start();
