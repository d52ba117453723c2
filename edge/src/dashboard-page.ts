/**
 * The organiser dashboard: one HTML page and one script, both served by the Worker with
 * uPlot (vendored from the pinned npm package, see scripts/vendor-uplot.ts). The page asks
 * for the admin key (kept in sessionStorage for the tab), or takes it from the fragment of
 * the link `bun run dev` prints (`#key=...`: browsers never send a fragment to a server)
 * and clears the fragment from the address bar at once; it polls
 * GET /admin/events/:eventId/dashboard once a second (only newer samples after the first
 * call), draws the last ten minutes as charts and offers the waiting room controls.
 * The script is a separate file so the page can forbid inline scripts (CSP).
 */
import { versionedPath } from "./assets.ts";
import { escapeHtml, iconLink } from "./page.ts";

/** uPlot's version, in asset URLs so a new one is never served from an old cache. */
export const UPLOT_VERSION = "1.6.32";

/** Chart containers: id, title, what the chart shows (its accessible name). */
export const CHARTS = [
  { id: "chart-waiting", title: "Queue length", label: "Fans waiting in line over the last minutes" },
  { id: "chart-admissions", title: "Admitted per second vs target rate", label: "Fans admitted per second and the target rate over the last minutes" },
  { id: "chart-sessions", title: "Active sessions vs maxActive", label: "Active sessions, unclaimed admissions and maxActive over the last minutes" },
  { id: "chart-holds", title: "Held seats", label: "Seats held over the last minutes" },
  { id: "chart-purchases", title: "Purchases per second", label: "Purchase requests and seats sold per second over the last minutes" },
  { id: "chart-latency", title: "Purchase latency p95 (ms)", label: "Database purchase latency, 95th percentile in milliseconds, over the last minutes" },
  { id: "chart-adaptive", title: "Adaptive rate vs ceiling", label: "The adaptive admission rate and its ceiling over the last minutes" },
] as const;

const style = `
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;color:#1b1b1f;background:#fafafc;line-height:1.4}
h1{font-size:1.35rem;margin:.25rem 0 1rem}h2{font-size:1.05rem;margin:0 0 .5rem}
main{max-width:75rem;margin:0 auto}
section{background:#fff;border:1px solid #dcdce4;border-radius:.5rem;padding:1rem;margin-bottom:1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input{font:inherit;padding:.5rem;border:1px solid #8a8a99;border-radius:.375rem;width:100%;max-width:16rem}
button{font:inherit;padding:.5rem .9rem;border-radius:.375rem;border:1px solid #3a2fb8;background:#4b3fd6;color:#fff;cursor:pointer;min-height:2.75rem}
button.secondary{background:#fff;color:#3a2fb8}button.danger{background:#b3261e;border-color:#8c1d18}
button:disabled{opacity:.5;cursor:not-allowed}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.controls form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin-top:.75rem}
.controls form div{flex:0 1 16rem}
#error{background:#fde7e6;color:#7a1712;padding:.75rem 1rem;border-radius:.375rem;font-weight:600}
#notice{color:#1d5e2b;min-height:1.4em}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.5rem;margin:0}
dl div{background:#f1f1f6;border-radius:.375rem;padding:.5rem}
dt{font-size:.8rem;color:#4a4a57}dd{margin:0;font-size:1.25rem;font-weight:700}
.charts{display:grid;grid-template-columns:1fr;gap:1rem}
@media (min-width:60rem){.charts{grid-template-columns:1fr 1fr}}
figure{margin:0;background:#fff;border:1px solid #dcdce4;border-radius:.5rem;padding:.75rem;min-width:0}
figcaption{font-weight:600;margin-bottom:.25rem}
.chart{width:100%;min-height:12rem;overflow:hidden}
.muted{color:#4a4a57}
`;

export function dashboardPage(eventId: string): string {
  const id = escapeHtml(eventId);
  const figures = CHARTS.map(
    (c) => `<figure><figcaption id="${c.id}-title">${c.title} <span class="muted" id="${c.id}-now"></span></figcaption>
<div class="chart" id="${c.id}" role="img" aria-label="${c.label}"></div></figure>`,
  ).join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">${iconLink()}<title>Organiser dashboard: ${id}</title>
<link rel="stylesheet" href="/organiser/assets/uplot-${UPLOT_VERSION}.min.css"><style>${style}</style></head>
<body data-event-id="${id}"><main>
<h1>Organiser dashboard: <span id="event-id">${id}</span></h1>
<p id="error" role="alert" hidden></p>
<section id="key-section" aria-labelledby="key-heading">
<h2 id="key-heading">Sign in</h2>
<form id="key-form" class="row" autocomplete="off">
<div><label for="admin-key">Admin key</label><input id="admin-key" name="admin-key" type="password" required autocomplete="off" spellcheck="false"></div>
<button type="submit" id="key-submit">Open dashboard</button>
</form>
<p class="muted">The key stays in this browser tab only (session storage) and is sent to this site's /admin routes.</p>
</section>
<div id="dashboard" hidden>
<section aria-labelledby="now-heading">
<h2 id="now-heading">Now</h2>
<dl id="summary">
<div><dt>Status</dt><dd id="s-status">-</dd></div>
<div><dt>Waiting</dt><dd id="s-waiting">-</dd></div>
<div><dt>Admitted/s (last minute)</dt><dd id="s-measured">-</dd></div>
<div><dt>Target rate/s</dt><dd id="s-target">-</dd></div>
<div><dt>Ceiling/s</dt><dd id="s-ceiling">-</dd></div>
<div><dt>Active / maxActive</dt><dd id="s-active">-</dd></div>
<div><dt>Held seats</dt><dd id="s-held">-</dd></div>
<div><dt>Seats sold</dt><dd id="s-sold">-</dd></div>
<div><dt>Purchase p95</dt><dd id="s-p95">-</dd></div>
<div id="s-restore-box" hidden><dt>Line restored after a Redis loss</dt><dd id="s-restore">-</dd></div>
</dl>
</section>
<section class="controls" aria-labelledby="controls-heading">
<h2 id="controls-heading">Controls</h2>
<div class="row">
<button type="button" id="pause">Pause</button>
<button type="button" id="resume" class="secondary">Resume</button>
<button type="button" id="close" class="danger">Close (sold out)</button>
<button type="button" id="forget" class="secondary">Forget key</button>
</div>
<form id="rate-form"><div><label for="rate">Admission rate (fans per second)</label>
<input id="rate" name="rate" type="number" min="0.001" max="100000" step="any" inputmode="decimal" required></div>
<button type="submit" id="rate-submit">Set rate</button></form>
<form id="max-active-form"><div><label for="max-active">maxActive (fans in the purchase area at once)</label>
<input id="max-active" name="max-active" type="number" min="1" max="10000000" step="1" inputmode="numeric" required></div>
<button type="submit" id="max-active-submit">Set maxActive</button></form>
<p id="notice" role="status"></p>
</section>
<section aria-labelledby="charts-heading">
<h2 id="charts-heading">Last 10 minutes <span class="muted" id="updated"></span></h2>
<div class="charts">
${figures}
</div>
</section>
</div>
</main>
<script src="/organiser/assets/uplot-${UPLOT_VERSION}.min.js"></script>
<script src="${dashboardScriptUrl()}"></script>
</body></html>`;
}

/** The page's script (plain browser JavaScript). */
/** The script's URL carries a hash of its text: cached for a year, replaced by a new URL when it changes. */
export const dashboardScriptUrl = () => versionedPath("/organiser/assets", "dashboard.js", DASHBOARD_SCRIPT);

export const DASHBOARD_SCRIPT = `(() => {
  "use strict";
  const eventId = document.body.dataset.eventId;
  const KEY = "cu-admin-key";
  const WINDOW_S = 600;
  const $ = (id) => document.getElementById(id);
  const base = "/admin/events/" + encodeURIComponent(eventId);
  let key = sessionStorage.getItem(KEY);
  // a signed-in link (#key=...), on load or pasted into this tab: kept as a typed key is,
  // and gone from the address bar and history; true when it brought a key
  function takeLinkedKey() {
    if (!location.hash.startsWith("#key=")) return false;
    let linked = "";
    try { linked = decodeURIComponent(location.hash.slice(5)).trim(); } catch (e) {}
    history.replaceState(null, "", location.pathname + location.search);
    if (!linked) return false;
    key = linked;
    sessionStorage.setItem(KEY, key);
    return true;
  }
  takeLinkedKey();
  let samples = [];
  let lastT = 0;
  let timer = null;
  let charts = null;
  let generation = 0;

  const fmt = (v, digits) => (v === null || v === undefined || Number.isNaN(v) ? "-" : Number(v).toLocaleString(undefined, { maximumFractionDigits: digits ?? 1 }));

  function showError(message) {
    $("error").textContent = message || "";
    $("error").hidden = !message;
  }

  function messageFor(status, body) {
    if (status === 401) return "The admin key was not accepted. Check it and enter it again.";
    if (status === 429) return "Too many requests from this address; wait a minute and try again.";
    if (status === 404) return (body && body.message) || "This event has no waiting room.";
    if (status === 409) return (body && body.message) || "That change is not possible now.";
    if (status === 400) return (body && body.message) || "The value was not accepted.";
    return (body && body.message) || "The request failed (HTTP " + status + ").";
  }

  async function call(method, path, body) {
    let res;
    try {
      res = await fetch(path, {
        method,
        cache: "no-store",
        headers: Object.assign({ authorization: "Bearer " + key }, body ? { "content-type": "application/json" } : {}),
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      const err = new Error("The dashboard cannot reach the server; retrying.");
      err.status = 0;
      throw err;
    }
    let data = null;
    try { data = await res.json(); } catch (e) {}
    if (!res.ok) {
      const err = new Error(messageFor(res.status, data));
      err.status = res.status;
      throw err;
    }
    return data;
  }

  const seriesDefs = {
    "chart-waiting": [["Waiting", "#4b3fd6", (s) => s.waiting]],
    "chart-admissions": [["Admitted/s", "#4b3fd6", (s) => s.admittedPerSec], ["Target rate/s", "#d97706", (s) => s.targetRate, [6, 4]]],
    "chart-sessions": [["Active sessions", "#4b3fd6", (s) => s.activeSessions], ["Unclaimed", "#0e7490", (s) => s.unclaimed], ["maxActive", "#b3261e", (s) => s.maxActive, [6, 4]]],
    "chart-holds": [["Held seats", "#4b3fd6", (s) => s.heldSeats]],
    "chart-purchases": [["Purchases/s", "#4b3fd6", (s) => s.purchasesPerSec], ["Seats sold/s", "#15803d", (s) => s.soldPerSec]],
    "chart-latency": [["p95 ms", "#b3261e", (s) => s.purchaseP95Ms]],
    "chart-adaptive": [["Target (adaptive) rate/s", "#d97706", (s) => s.targetRate], ["Ceiling/s", "#6b7280", (s) => s.ceilingRate, [6, 4]]],
  };

  function width(el) {
    return Math.max(240, Math.floor(el.clientWidth || el.getBoundingClientRect().width || 320));
  }

  function makeCharts() {
    const out = {};
    for (const id of Object.keys(seriesDefs)) {
      const el = $(id);
      el.textContent = "";
      const defs = seriesDefs[id];
      out[id] = new uPlot(
        {
          width: width(el),
          height: 200,
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
          series: [{}].concat(defs.map(([label, stroke, , dash]) => ({ label, stroke, width: 2, dash, spanGaps: false }))),
          axes: [{}, { size: 56 }],
        },
        [[]].concat(defs.map(() => [])),
        el,
      );
    }
    return out;
  }

  function redraw() {
    if (!charts) return;
    const xs = samples.map((s) => s.t / 1000);
    for (const id of Object.keys(seriesDefs)) {
      const defs = seriesDefs[id];
      charts[id].setData([xs].concat(defs.map((d) => samples.map((s) => { const v = d[2](s); return v === undefined ? null : v; }))));
      const last = samples[samples.length - 1];
      $(id + "-now").textContent = last ? "(now: " + defs.map((d) => d[0] + " " + fmt(d[2](last))).join(", ") + ")" : "(no samples yet)";
    }
  }

  function showQueue(q) {
    $("s-status").textContent = q.status;
    $("s-waiting").textContent = fmt(q.waiting, 0);
    $("s-measured").textContent = fmt(q.rates.measured, 2);
    $("s-target").textContent = fmt(q.rates.target ?? q.rates.ceiling, 2);
    $("s-ceiling").textContent = fmt(q.rates.ceiling, 2) + " (" + q.rates.ceilingSource + ")";
    $("s-active").textContent = fmt(q.activeSessions, 0) + " / " + fmt(q.settings.maxActive, 0);
    $("pause").disabled = q.status !== "open";
    $("resume").disabled = q.status !== "paused";
    $("close").disabled = q.status === "soldout";
    if (document.activeElement !== $("rate")) $("rate").placeholder = fmt(q.rates.ceiling, 3);
    if (document.activeElement !== $("max-active")) $("max-active").placeholder = String(q.settings.maxActive);
  }

  // the origin restored the line after Redis lost it: when, how much was lost, fans put back
  function showRestore(q, last) {
    const pick = (name) => (q && q[name] !== undefined && q[name] !== null ? q[name] : last && last[name] !== undefined ? last[name] : null);
    const at = pick("restoredAt");
    $("s-restore-box").hidden = !at;
    if (!at) return;
    const kind = pick("restoreKind");
    const replaced = pick("replacedTotal");
    $("s-restore").textContent = (kind === "partial" ? "Partial loss" : kind === "full" ? "Full loss" : "Restored") + ", " + new Date(Number(at)).toLocaleTimeString() +
      (replaced === null ? "" : "; " + fmt(replaced, 0) + " fans put back");
  }

  function showLatest() {
    const last = samples[samples.length - 1];
    if (!last) return;
    $("s-held").textContent = fmt(last.heldSeats, 0);
    $("s-sold").textContent = fmt(last.soldSeats, 0);
    $("s-p95").textContent = last.purchaseP95Ms === null ? "-" : fmt(last.purchaseP95Ms, 1) + " ms";
  }

  async function poll(gen) {
    if (gen !== generation) return;
    try {
      const d = await call("GET", base + "/dashboard" + (lastT ? "?since=" + lastT : ""));
      if (gen !== generation) return;
      if (!charts) {
        $("key-section").hidden = true;
        $("dashboard").hidden = false;
        charts = makeCharts();
      }
      for (const s of d.samples) if (s.t > lastT) samples.push(s);
      if (samples.length) lastT = samples[samples.length - 1].t;
      const from = d.now - WINDOW_S * 1000;
      samples = samples.filter((s) => s.t >= from);
      showQueue(d.queue);
      showLatest();
      showRestore(d.queue, samples[samples.length - 1]);
      redraw();
      $("updated").textContent = "(updated " + new Date(d.now).toLocaleTimeString() + ")";
      showError("");
    } catch (e) {
      if (gen !== generation) return;
      showError(e.message);
      if (e.status === 401) return forget(false);
    }
    timer = setTimeout(() => poll(gen), 1000);
  }

  function start() {
    generation++;
    clearTimeout(timer);
    samples = [];
    lastT = 0;
    poll(generation);
  }

  function forget(clearError) {
    generation++;
    clearTimeout(timer);
    sessionStorage.removeItem(KEY);
    key = null;
    if (charts) for (const id of Object.keys(charts)) charts[id].destroy();
    charts = null;
    $("dashboard").hidden = true;
    $("key-section").hidden = false;
    if (clearError) showError("");
    $("admin-key").value = "";
    $("admin-key").focus();
  }

  async function act(button, method, path, body, done) {
    button.disabled = true;
    $("notice").textContent = "";
    try {
      const q = await call(method, base + path, body);
      showQueue(q);
      $("notice").textContent = done(q);
      showError("");
      return true;
    } catch (e) {
      showError(e.message);
      if (e.status === 401) forget(false);
      return false;
    } finally {
      button.disabled = false;
    }
  }

  $("key-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    key = $("admin-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    $("admin-key").value = "";
    showError("");
    start();
  });
  $("forget").addEventListener("click", () => forget(true));
  window.addEventListener("hashchange", () => {
    if (takeLinkedKey()) {
      showError("");
      start();
    }
  });
  $("pause").addEventListener("click", (ev) => act(ev.currentTarget, "POST", "/queue/pause", undefined, () => "Admissions paused: fans keep their places."));
  $("resume").addEventListener("click", (ev) => act(ev.currentTarget, "POST", "/queue/resume", undefined, () => "Admissions resumed."));
  $("close").addEventListener("click", (ev) => {
    if (!confirm("Close the sale as sold out? Waiting fans are told at once and admissions stop.")) return;
    act(ev.currentTarget, "POST", "/queue/close", { reason: "soldout" }, () => "The sale is closed as sold out.");
  });
  $("rate-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const rate = Number($("rate").value);
    if (await act($("rate-submit"), "PATCH", "/queue", { rate }, (q) => "Rate set to " + fmt(q.settings.rate, 3) + " fans per second.")) $("rate").value = "";
  });
  $("max-active-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const maxActive = Number($("max-active").value);
    if (await act($("max-active-submit"), "PATCH", "/queue", { maxActive }, (q) => "maxActive set to " + fmt(q.settings.maxActive, 0) + ".")) $("max-active").value = "";
  });
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      if (charts) for (const id of Object.keys(charts)) charts[id].setSize({ width: width($(id)), height: 200 });
    }, 150);
  });

  if (typeof uPlot !== "function") showError("The chart library did not load; reload the page.");
  else if (key) start();
  else $("admin-key").focus();
})();
`;
