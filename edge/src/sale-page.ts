/**
 * The sale page an admitted fan gets at /events/:eventId: the seat map (a CSS grid per
 * section), holding up to the per-order limit with a countdown, paying, and the order
 * confirmation. It talks to the origin only through the edge's /api/* proxy, which the
 * fan's active-token cookie opens. Refreshing keeps the hold (sessionStorage) or shows the
 * order again (?order= in the URL).
 */
import { shell } from "./page.ts";

const style = `
body{max-width:60rem}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.9rem;height:.9rem;border-radius:.2rem;vertical-align:middle;margin-right:.3rem}
.section{margin:1rem 0}.rows{display:grid;gap:2px;overflow-x:auto}
.seat{width:1.1rem;height:1.1rem;padding:0;border:1px solid #4b3fd6;border-radius:.2rem;background:#fff;cursor:pointer}
.seat.held{background:#f0b429;border-color:#b7791f;cursor:not-allowed}.seat.sold{background:#6b6b78;border-color:#6b6b78;cursor:not-allowed}
.seat.picked{background:#4b3fd6}.seat:focus-visible{outline:3px solid #1b1b1f;outline-offset:1px}
button.primary{background:#4b3fd6;color:#fff;border:0;border-radius:.4rem;padding:.6rem 1rem;font-size:1rem;cursor:pointer}
button.primary:disabled{background:#9d97e6;cursor:default}
.panel{position:sticky;bottom:0;background:#fff;border-top:1px solid #ddd;padding:.75rem 0}
.error{color:#a4161a}
`;

const script = (eventId: string) => `
(() => {
  const eventId = ${JSON.stringify(eventId)};
  const api = "/api/events/" + eventId;
  const $ = (id) => document.getElementById(id);
  const holdKey = "cu-hold-" + eventId;
  let event, seats = new Map(), picked = new Set(), hold = JSON.parse(sessionStorage.getItem(holdKey) || "null"), timer;
  const money = (cents) => (cents / 100).toLocaleString(undefined, { style: "currency", currency: (event && event.currency) || "USD" });
  const say = (text, isError) => { $("message").textContent = text; $("message").className = isError ? "error" : "muted"; };

  async function call(path, init) {
    const res = await fetch(path, Object.assign({ credentials: "same-origin" }, init));
    const body = await res.json().catch(() => ({}));
    return { res, body };
  }

  function seatButton(s) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "seat " + s.status;
    b.id = "seat-" + s.id;
    b.setAttribute("aria-label", "Section " + s.section + ", row " + s.row + ", seat " + s.number + ", " + s.tier + " " + money(s.priceCents) + ", " + s.status);
    b.setAttribute("aria-pressed", "false");
    b.disabled = s.status !== "available";
    b.onclick = () => toggle(s.id);
    return b;
  }

  function draw(map) {
    const bySection = new Map();
    for (const s of map.seats) {
      seats.set(s.id, s);
      if (!bySection.has(s.section)) bySection.set(s.section, []);
      bySection.get(s.section).push(s);
    }
    const root = $("map");
    root.textContent = "";
    for (const [section, list] of bySection) {
      const wrap = document.createElement("div");
      wrap.className = "section";
      const width = Math.max(...list.map((s) => s.number));
      wrap.innerHTML = "<h3>Section " + section + "</h3>";
      const grid = document.createElement("div");
      grid.className = "rows";
      grid.style.gridTemplateColumns = "repeat(" + width + ", 1.1rem)";
      for (const s of list) grid.appendChild(seatButton(s));
      wrap.appendChild(grid);
      root.appendChild(wrap);
    }
    $("counts").textContent = map.counts.available + " available, " + map.counts.held + " held, " + map.counts.sold + " sold";
  }

  function refreshStatuses(map) {
    for (const s of map.seats) {
      const b = $("seat-" + s.id);
      if (!b) continue;
      const mine = hold && hold.seatIds.includes(s.id);
      if (s.status !== "available" && picked.has(s.id) && !mine) picked.delete(s.id);
      b.className = "seat " + (mine ? "picked" : picked.has(s.id) ? "picked" : s.status);
      b.disabled = !mine && s.status !== "available";
      b.setAttribute("aria-pressed", String(picked.has(s.id) || Boolean(mine)));
    }
    $("counts").textContent = map.counts.available + " available, " + map.counts.held + " held, " + map.counts.sold + " sold";
    summary();
  }

  function toggle(id) {
    if (hold) return;
    if (picked.has(id)) picked.delete(id);
    else if (picked.size >= event.perOrderLimit) return say("You can choose up to " + event.perOrderLimit + " seats.", true);
    else picked.add(id);
    const b = $("seat-" + id);
    b.classList.toggle("picked", picked.has(id));
    b.setAttribute("aria-pressed", String(picked.has(id)));
    summary();
  }

  function summary() {
    const ids = hold ? hold.seatIds : [...picked];
    const total = ids.reduce((sum, id) => sum + (seats.get(id) ? seats.get(id).priceCents : 0), 0);
    $("picked").textContent = ids.length ? ids.join(", ") + " (" + money(total) + ")" : "none yet";
    $("hold").hidden = Boolean(hold);
    $("hold").disabled = picked.size === 0;
    $("pay").hidden = !hold;
    $("release").hidden = !hold;
  }

  async function loadMap() {
    const { res, body } = await call(api + "/seats");
    if (!res.ok) return ended(body);
    if (seats.size === 0) draw(body);
    refreshStatuses(body);
  }

  function countdown() {
    clearInterval(timer);
    if (!hold) return ($("countdown").textContent = "");
    const tick = () => {
      const left = Math.max(0, Math.round((Date.parse(hold.expiresAt) - Date.now()) / 1000));
      $("countdown").textContent = "Held for you for " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 0) { dropHold(); say("Your hold expired; the seats are free again. Choose again.", true); loadMap(); }
    };
    tick();
    timer = setInterval(tick, 1000);
  }

  function dropHold() {
    hold = null;
    sessionStorage.removeItem(holdKey);
    picked.clear();
    countdown();
    summary();
  }

  async function holdSeats() {
    $("hold").disabled = true;
    const { res, body } = await call(api + "/holds", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds: [...picked] }) });
    if (res.status === 201) {
      hold = body;
      sessionStorage.setItem(holdKey, JSON.stringify(hold));
      say("Seats held. Pay before the time runs out.");
      countdown();
    } else if (body.code === "SEAT_HELD" || body.code === "SEAT_SOLD") {
      say((body.message || "Someone else got a seat first.") + " Choose another seat.", true);
      picked.clear();
    } else if (!ended(body)) say(body.message || "The seats could not be held.", true);
    await loadMap();
  }

  async function release() {
    if (!hold) return;
    await call(api + "/holds/" + hold.holdId, { method: "DELETE" });
    dropHold();
    say("Seats released.");
    loadMap();
  }

  async function pay() {
    $("pay").disabled = true;
    say("Paying...");
    const key = sessionStorage.getItem(holdKey + "-pay") || crypto.randomUUID();
    sessionStorage.setItem(holdKey + "-pay", key);
    const { res, body } = await call(api + "/holds/" + hold.holdId + "/purchase", { method: "POST", headers: { "idempotency-key": key } });
    $("pay").disabled = false;
    sessionStorage.removeItem(holdKey + "-pay");
    if (res.status === 201) {
      sessionStorage.removeItem(holdKey);
      history.replaceState(null, "", location.pathname + "?order=" + encodeURIComponent(body.orderId));
      return confirmation(body);
    }
    dropHold();
    say((body.message || "The payment did not go through.") + " Your seats were released.", true);
    loadMap();
  }

  function confirmation(order) {
    clearInterval(timer);
    $("sale").hidden = true;
    $("done").hidden = false;
    $("order-id").textContent = order.orderId;
    $("order-seats").textContent = order.seats.map((s) => s.seatId).join(", ");
    $("order-total").textContent = money(order.amountCents);
  }

  function ended(body) {
    if (body.code !== "SESSION_INACTIVE" && body.code !== "TOKEN_INVALID" && body.code !== "TOKEN_MISSING") return false;
    clearInterval(timer);
    clearInterval(poll);
    $("sale").hidden = true;
    $("expired").hidden = false;
    return true;
  }

  $("hold").onclick = holdSeats;
  $("release").onclick = release;
  $("pay").onclick = pay;
  let poll;
  (async () => {
    const orderId = new URLSearchParams(location.search).get("order");
    if (orderId) {
      const { res, body } = await call("/api/orders/" + encodeURIComponent(orderId) + "?eventId=" + encodeURIComponent(eventId));
      if (res.ok) { event = { currency: body.currency }; return confirmation(body); }
    }
    const { res, body } = await call(api);
    if (!res.ok) return ended(body) || say(body.message || "The sale could not be loaded.", true);
    event = body;
    $("title").textContent = event.name;
    $("venue").textContent = event.venue + " \\u00b7 " + new Date(event.startsAt).toLocaleString();
    $("tiers").textContent = event.tiers.map((t) => t.tier + " " + money(t.priceCents)).join(" \\u00b7 ");
    $("limit").textContent = String(event.perOrderLimit);
    await loadMap();
    countdown();
    poll = setInterval(loadMap, 3000);
  })();
})();`;

export function salePage(eventId: string): string {
  return shell(
    "Choose your seats",
    `<h1 id="title">Choose your seats</h1>
<p id="venue" class="muted"></p>
<div id="sale">
<p>Prices: <span id="tiers"></span>. Choose up to <b id="limit">?</b> seats.</p>
<p class="legend"><span><i style="border:1px solid #4b3fd6"></i>available</span><span><i style="background:#4b3fd6"></i>your choice</span><span><i style="background:#f0b429"></i>held</span><span><i style="background:#6b6b78"></i>sold</span> <span id="counts" class="muted"></span></p>
<div id="map" aria-label="Seat map"></div>
<div class="panel">
<p>Your seats: <b id="picked">none yet</b> <span id="countdown" class="muted" aria-live="polite"></span></p>
<p id="message" class="muted" role="status" aria-live="polite"></p>
<button id="hold" class="primary" type="button" disabled>Hold these seats</button>
<button id="pay" class="primary" type="button" hidden>Pay now</button>
<button id="release" type="button" hidden>Release</button>
</div>
</div>
<div id="done" hidden><h2>You're going!</h2><p>Order <b id="order-id"></b>: seats <b id="order-seats"></b>, total <b id="order-total"></b>.</p><p class="muted">Keep this page; refreshing it shows your order again.</p></div>
<div id="expired" hidden><h2>Your turn has ended</h2><p>Your time in the sale is over. <a href="/events/${eventId}">Join the line again</a>.</p></div>
<script>${script(eventId)}</script>`,
    style,
  );
}
