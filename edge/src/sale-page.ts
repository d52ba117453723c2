/**
 * The sale page an admitted fan gets at /events/:eventId: the seat map (a CSS grid per
 * section), holding up to the per-order limit with a countdown, paying, and the order
 * confirmation. It talks to the origin only through the edge's /api/* proxy, which the
 * fan's active-token cookie opens. Refreshing finds the fan's hold again (GET /holds) or
 * shows the order again (?order= in the URL). Buying ends the turn and releases the
 * session's other holds: the confirmation names them, and another tab of the same sale
 * (told through localStorage) shows the order instead of a hold that is gone.
 */
import { shell } from "./page.ts";

const style = `
body{max-width:60rem}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.9rem;height:.9rem;border-radius:.2rem;vertical-align:middle;margin-right:.3rem}
.stage{margin:1rem 0 .5rem;padding:.3rem;text-align:center;background:#e6e6ee;border-radius:0 0 2rem 2rem;color:#5d5d6b;letter-spacing:.3em}
.section{margin:1rem 0}.section h3{margin:.25rem 0;font-size:1rem}.rows{display:grid;gap:3px;overflow-x:auto;padding:2px;align-items:center}
.row-label{font-size:.75rem;color:#5d5d6b;text-align:right;padding-right:.4rem;white-space:nowrap}
.seat{width:1.5rem;height:1.5rem;padding:0;border:1px solid #4b3fd6;border-radius:.3rem .3rem .15rem .15rem;background:#fff;cursor:pointer}
.seat.held{background:#f0b429;border-color:#b7791f;cursor:not-allowed}.seat.sold{background:#6b6b78;border-color:#6b6b78;cursor:not-allowed}
.seat.picked{background:#4b3fd6}.seat:focus-visible{outline:3px solid #1b1b1f;outline-offset:1px}
button.primary{background:#4b3fd6;color:#fff;border:0;border-radius:.4rem;padding:.6rem 1rem;font-size:1rem;cursor:pointer}
button.primary:disabled{background:#9d97e6;cursor:default}
.panel{position:sticky;bottom:0;background:#fff;border-top:1px solid #ddd;padding:.75rem 0}
.error{color:#a4161a}
fieldset{border:1px solid #ddd;border-radius:.4rem;margin:.5rem 0}fieldset label{display:block;padding:.2rem 0}
`;

const script = (eventId: string) => `
(() => {
  const eventId = ${JSON.stringify(eventId)};
  const api = "/api/events/" + eventId;
  const $ = (id) => document.getElementById(id);
  const payKey = "cu-pay-" + eventId;
  // the order bought in this turn, shared with the fan's other tabs: { orderId, at }
  const boughtKey = "cu-bought-" + eventId;
  const openedAt = Date.now();
  // order: seat ids as the map lists them, which is the order of /seats/status's letters
  let event, seats = new Map(), order = [], picked = new Set(), hold = null, timer;
  const STATUS = { a: "available", h: "held", s: "sold" };
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
    b.dataset.label = "Section " + s.section + ", row " + s.row + ", seat " + s.number + ", " + s.tier + " " + money(s.priceCents);
    b.setAttribute("aria-label", b.dataset.label + ", " + s.status);
    b.setAttribute("aria-pressed", "false");
    b.disabled = s.status !== "available";
    b.onclick = () => toggle(s.id);
    return b;
  }

  function draw(map) {
    const bySection = new Map();
    order = map.seats.map((s) => s.id);
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
      const heading = document.createElement("h3");
      heading.textContent = "Section " + section + " \u00b7 " + list[0].tier + " " + money(list[0].priceCents);
      wrap.appendChild(heading);
      const grid = document.createElement("div");
      grid.className = "rows";
      grid.style.gridTemplateColumns = "3.2rem repeat(" + width + ", 1.5rem)";
      let row = null;
      for (const s of list) {
        if (s.row !== row) {
          row = s.row;
          const label = document.createElement("span");
          label.className = "row-label";
          label.setAttribute("aria-hidden", "true");
          label.textContent = "Row " + row;
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
    $("counts").textContent = map.counts.available + " available, " + map.counts.held + " held, " + map.counts.sold + " sold";
  }

  /** statuses: [seat id, status] pairs */
  function refreshStatuses(statuses, counts) {
    for (const [id, status] of statuses) {
      const b = $("seat-" + id);
      if (!b) continue;
      const mine = hold && hold.seatIds.includes(id);
      if (status !== "available" && picked.has(id) && !mine) picked.delete(id);
      b.className = "seat " + (mine ? "picked" : picked.has(id) ? "picked" : status);
      b.disabled = !mine && status !== "available";
      b.setAttribute("aria-pressed", String(picked.has(id) || Boolean(mine)));
      b.setAttribute("aria-label", b.dataset.label + ", " + (mine ? "held by you" : status));
    }
    $("counts").textContent = counts.available + " available, " + counts.held + " held, " + counts.sold + " sold";
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
    $("payment").hidden = !hold;
    $("release").hidden = !hold;
  }

  // The full map (about 100 bytes a seat) is loaded once; refreshes read one letter a seat.
  async function loadMap() {
    if (order.length > 0) {
      const { res, body } = await call(api + "/seats/status");
      if (!res.ok && ended(body)) return;
      // anything unexpected (a layout that changed, an older origin): load the full map instead
      if (res.ok && typeof body.states === "string" && body.states.length === order.length) {
        return refreshStatuses(order.map((id, i) => [id, STATUS[body.states[i]]]), body.counts);
      }
    }
    const { res, body } = await call(api + "/seats");
    if (!res.ok) return ended(body);
    if (order.length === 0) draw(body);
    refreshStatuses(body.seats.map((s) => [s.id, s.status]), body.counts);
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
    picked.clear();
    countdown();
    summary();
  }

  async function holdSeats() {
    $("hold").disabled = true;
    const { res, body } = await call(api + "/holds", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seatIds: [...picked] }) });
    if (res.status === 201) {
      hold = body;
      say("Seats held. Pay before the time runs out.");
      countdown();
    } else if (body.code === "SEAT_HELD" || body.code === "SEAT_SOLD") {
      picked.clear();
      // redraw first, so the seat shows as taken by the time the fan reads why
      await loadMap();
      say((body.message || "Someone else got a seat first.") + " Choose another seat.", true);
      return;
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
    // the same key for this hold across retries and reloads: paying twice buys once
    const keys = JSON.parse(sessionStorage.getItem(payKey) || "{}");
    const key = keys[hold.holdId] || (keys[hold.holdId] = crypto.randomUUID());
    sessionStorage.setItem(payKey, JSON.stringify(keys));
    const method = document.querySelector("input[name=card]:checked").value;
    const { res, body } = await call(api + "/holds/" + hold.holdId + "/purchase", {
      method: "POST",
      headers: { "idempotency-key": key, "content-type": "application/json" },
      body: JSON.stringify({ paymentMethod: method }),
    });
    $("pay").disabled = false;
    if (res.status === 503 && body.code === "PURCHASE_PENDING") return say(body.message, true);
    sessionStorage.removeItem(payKey);
    if (res.status === 201) {
      history.replaceState(null, "", location.pathname + "?order=" + encodeURIComponent(body.orderId));
      try { localStorage.setItem(boughtKey, JSON.stringify({ orderId: body.orderId, at: Date.now() })); } catch {}
      return confirmation(body);
    }
    dropHold();
    say(body.message || "The payment did not go through; your seats were released.", true);
    loadMap();
  }

  /** note: what else the fan should know (seats released, bought elsewhere) */
  function confirmation(order, note) {
    clearInterval(timer);
    clearInterval(poll);
    $("sale").hidden = true;
    $("expired").hidden = true;
    $("done").hidden = false;
    $("order-id").textContent = order.orderId;
    $("order-seats").textContent = order.seats.map((s) => s.seatId).join(", ");
    $("order-total").textContent = money(order.amountCents);
    const released = order.releasedSeatIds || [];
    $("order-note").textContent = note || (released.length
      ? "Buying ends your turn, so your other held seats (" + released.join(", ") + ") were released for other fans."
      : "");
  }

  /** An order bought in another tab during this tab's turn, shown here instead of its hold. */
  async function boughtElsewhere() {
    let bought = null;
    try { bought = JSON.parse(localStorage.getItem(boughtKey) || "null"); } catch {}
    if (!bought || !bought.orderId || bought.at < openedAt - 60000) return false;
    if (!$("done").hidden) return true;
    const { res, body } = await call("/api/orders/" + encodeURIComponent(bought.orderId) + "?eventId=" + encodeURIComponent(eventId));
    if (!res.ok) return false;
    event = event || { currency: body.currency };
    const here = hold ? hold.seatIds.filter((id) => !body.seats.some((s) => s.seatId === id)) : [];
    hold = null;
    confirmation(body, "You bought these seats in another tab; that ends your turn" +
      (here.length ? ", so the seats held in this tab (" + here.join(", ") + ") were released." : "."));
    return true;
  }

  window.addEventListener("storage", (e) => { if (e.key === boughtKey && e.newValue) boughtElsewhere(); });

  function ended(body) {
    if (!["SESSION_INACTIVE", "TOKEN_INVALID", "TOKEN_MISSING", "NOT_ADMITTED"].includes(body.code)) return false;
    clearInterval(timer);
    clearInterval(poll);
    boughtElsewhere().then((shown) => {
      if (shown) return;
      $("sale").hidden = true;
      $("expired").hidden = false;
    });
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
    const mine = await call(api + "/holds");
    if (mine.res.ok && mine.body.holds.length > 0) {
      hold = mine.body.holds[0];
      say("Your seats are still held. Pay before the time runs out.");
    }
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
<div class="stage" aria-hidden="true">STAGE</div>
<div id="map" role="group" aria-label="Seat map"></div>
<div class="panel">
<p>Your seats: <b id="picked">none yet</b> <span id="countdown" class="muted" aria-live="polite"></span></p>
<p id="message" class="muted" role="status" aria-live="polite"></p>
<fieldset id="payment" hidden><legend>Payment (simulated card)</legend>
<label><input type="radio" name="card" value="sim_approve" checked> Card that is approved</label>
<label><input type="radio" name="card" value="sim_decline"> Card that is declined</label>
</fieldset>
<button id="hold" class="primary" type="button" disabled>Hold these seats</button>
<button id="pay" class="primary" type="button" hidden>Pay now</button>
<button id="release" type="button" hidden>Release</button>
</div>
</div>
<div id="done" hidden><h2>You're going!</h2><p>Order <b id="order-id"></b>: seats <b id="order-seats"></b>, total <b id="order-total"></b>.</p><p id="order-note"></p><p class="muted">Keep this page; refreshing it shows your order again.</p></div>
<div id="expired" hidden><h2>Your turn has ended</h2><p>Your time in the sale is over. <a href="/events/${eventId}">Join the line again</a>.</p></div>
<script>${script(eventId)}</script>`,
    style,
  );
}
