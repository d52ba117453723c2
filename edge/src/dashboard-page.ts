/**
 * The organiser dashboard: one HTML page, its script (edge/browser/dashboard.ts) and uPlot
 * (vendored from the pinned npm package, see scripts/vendor-uplot.ts), all served by the
 * Worker (edge/src/assets.ts). The page asks
 * for the admin key (kept in sessionStorage for the tab), or takes it from the fragment of
 * the link `bun run dev` prints (`#key=...`: browsers never send a fragment to a server)
 * and clears the fragment from the address bar at once; it polls
 * GET /admin/events/:eventId/dashboard once a second (only newer samples after the first
 * call), draws the last ten minutes as charts and offers the waiting room controls, the presale
 * codes, what the room covers (edge/browser/rooms-panel.ts), the waiting list
 * (edge/browser/waitlist-panel.ts) and the sale report (edge/browser/report-panel.ts).
 */
import { assetUrl } from "./assets.ts";
import { escapeHtml, renderPage } from "./html.ts";

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

export function dashboardPage(eventId: string): string {
  const id = escapeHtml(eventId);
  const figures = CHARTS.map(
    (c) => `<figure><figcaption id="${c.id}-title">${c.title} <span class="muted" id="${c.id}-now"></span></figcaption>
<div class="chart" id="${c.id}" role="img" aria-label="${c.label}"></div></figure>`,
  ).join("\n");
  return renderPage({
    title: `Organiser dashboard: ${eventId}`,
    bodyClass: "dashboard",
    data: { "event-id": eventId },
    styles: ["uplot.css"],
    scripts: ["uplot.js", "dashboard.js"],
    body: `<main>
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
<form id="min-chance-form"><div><label for="min-chance">Stop the line below this chance of tickets (percent, empty = never)</label>
<input id="min-chance" name="min-chance" type="number" min="1" max="50" step="1" inputmode="numeric"></div>
<button type="submit" id="min-chance-submit">Set</button></form>
<form id="challenge-form"><div><label for="challenge">Challenge before a new place</label>
<select id="challenge" name="challenge"><option value="off">Off</option><option value="pow">Proof-of-work (invisible)</option><option value="turnstile">Turnstile</option></select></div>
<div><label for="challenge-failure">A failed or missing challenge gets</label>
<select id="challenge-failure" name="challenge-failure"><option value="refuse">Refused (403)</option><option value="infinite">An infinite queue</option></select></div>
<button type="submit" id="challenge-submit">Set challenge</button></form>
<form id="grace-form"><div><label for="grace">Away time kept (minutes a waiting fan may leave and keep the place)</label>
<input id="grace" name="grace" type="number" min="1" max="1440" step="any" inputmode="decimal" required></div>
<button type="submit" id="grace-submit">Set away time</button></form>
<form id="extension-form"><div><label for="extension-seconds">More time a fan may ask for, once per turn and per hold (seconds, 0: none)</label>
<input id="extension-seconds" name="extension-seconds" type="number" min="0" max="3600" step="1" inputmode="numeric"></div>
<div><label for="extension-budget">Extra time the event grants over all fans (minutes)</label>
<input id="extension-budget" name="extension-budget" type="number" min="0" max="100000" step="1" inputmode="numeric"></div>
<button type="submit" id="extension-submit">Set extra time</button> <span id="extension-left" class="muted" aria-live="off"></span></form>
<form id="margin-form"><div><label for="margin">Seat budgets: seats fans may choose over the unsold ones per tier (empty: count fans only)</label>
<input id="margin" name="margin" type="number" min="0" max="1000000" step="1" inputmode="numeric"></div>
<button type="submit" id="margin-submit">Set seat margin</button></form>
<form id="closes-form"><div><label for="closes-at">Sale closes at, your local time (empty: no closing time)</label>
<input id="closes-at" name="closes-at" type="datetime-local" step="60"></div>
<button type="submit" id="closes-submit">Set closing time</button></form>
<form id="customer-limit-form"><div><label for="customer-limit">Tickets per customer, over all their orders (empty: no limit)</label>
<input id="customer-limit" name="customer-limit" type="number" min="1" max="1000" step="1" inputmode="numeric"></div>
<button type="submit" id="customer-limit-submit">Set ticket limit</button></form>
<form id="binding-form"><div><label for="device-binding">Bind places to the fan's device</label>
<select id="device-binding" name="device-binding">
<option value="off">Off</option>
<option value="optional">Optional: where it can</option>
<option value="required">Required: copies refused</option>
</select></div>
<button type="submit" id="binding-submit">Set device binding</button></form>
<form id="identity-form"><div><label for="identity">Who fans prove they are before a place (one place and one ticket limit per person)</label>
<select id="identity" name="identity">
<option value="off">Nobody: no identity step</option>
<option value="email">Email: a one-time code</option>
<option value="passkey">Passkey</option>
<option value="either">Email or passkey</option>
</select></div>
<button type="submit" id="identity-submit">Set identity step</button></form>
<form id="standby-form"><div class="row"><input type="checkbox" id="standby" name="standby"><label for="standby">Queue only when needed: fans go straight to the sale while under both thresholds</label></div>
<div><label for="standby-new">Standby threshold: new fans per minute</label><input id="standby-new" name="standby-new" type="number" min="1" max="10000000" step="1" inputmode="numeric"></div>
<div><label for="standby-active">Standby threshold: live sessions</label><input id="standby-active" name="standby-active" type="number" min="1" max="10000000" step="1" inputmode="numeric"></div>
<div><label for="queueing-status">Waiting page status while fans queue</label>
<select id="queueing-status" name="queueing-status"><option value="200">200 OK</option><option value="202">202 Accepted</option><option value="429">429 Too Many Requests</option></select></div>
<button type="submit" id="standby-submit">Set standby</button>
<p class="muted">Standby now: <span id="s-standby">-</span></p></form>
<p id="notice" role="status"></p>
</section>
<section class="controls" aria-labelledby="access-heading">
<h2 id="access-heading">Presale access</h2>
<div class="row"><input type="checkbox" id="invite-only"><label for="invite-only">Invite-only: only fans with an access code get a place</label></div>
<form id="codes-form" class="row">
<div><label for="code-count">Codes</label><input id="code-count" type="number" min="1" max="1000" step="1" value="1" inputmode="numeric"></div>
<div><label for="code-uses">Places per code</label><input id="code-uses" type="number" min="1" max="1000000" step="1" value="1" inputmode="numeric"></div>
<div><label for="code-tier">Tier (empty: any)</label><input id="code-tier" maxlength="32" autocomplete="off"></div>
<div><label for="code-from">Valid from</label><input id="code-from" type="datetime-local"></div>
<div><label for="code-until">Valid until</label><input id="code-until" type="datetime-local"></div>
<div><label for="code-label">Label</label><input id="code-label" maxlength="100" autocomplete="off"></div>
<button type="submit" id="codes-submit">Create codes</button>
</form>
<div id="new-codes" hidden><p>New codes (shown once; only their hashes are kept):</p><ul id="new-codes-list" class="codes"></ul></div>
<p id="access-notice" role="status"></p>
<div class="table-wrap"><table class="codes-table"><caption>Access codes</caption>
<thead><tr><th scope="col">Label</th><th scope="col">Places given</th><th scope="col">Tier</th><th scope="col">Valid</th><th scope="col">State</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody id="codes-body"></tbody></table></div>
<p id="codes-empty" class="muted">No access codes yet.</p>
</section>
<section class="controls" aria-labelledby="bypass-heading">
<h2 id="bypass-heading">Staff and monitoring</h2>
<form id="rules-form" class="row">
<div><label for="rule-kind">Kind</label><select id="rule-kind"><option value="header">Staff secret</option><option value="ip">IP range</option><option value="path">Path</option></select></div>
<div><label for="rule-value" id="rule-value-label">Secret (empty: generated)</label><input id="rule-value" maxlength="200" autocomplete="off" aria-describedby="rule-value-error"><p id="rule-value-error" class="notice" role="alert" hidden></p></div>
<div><label for="rule-label">Rule label</label><input id="rule-label" maxlength="100" required autocomplete="off"></div>
<button type="submit" id="rules-submit">Add rule</button>
</form>
<div id="new-secret" hidden><p>New secret (shown once; only its hash is kept):</p><p><code id="new-secret-text"></code></p></div>
<p id="bypass-notice" role="status"></p>
<div class="table-wrap"><table class="codes-table"><caption>Bypass rules</caption>
<thead><tr><th scope="col">Label</th><th scope="col">Kind</th><th scope="col">Path or range</th><th scope="col">Uses</th><th scope="col">State</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody id="rules-body"></tbody></table></div>
<p id="rules-empty" class="muted">No bypass rules yet.</p>
</section>
<section class="controls" aria-labelledby="pages-heading">
<h2 id="pages-heading">Fan pages</h2>
<p class="muted">Your own page for a state of the line, shown to fans above the line's figures. HTML with {{position}}, {{wait}} and {{eventName}}; scripts, styles, handlers and unsafe links are removed. A page for one language is shown to fans reading it instead of the default one. Empty: the default page, or the built-in one.</p>
<form id="pages-form">
<div class="row"><label for="page-kind">State</label><select id="page-kind"><option value="waiting">Waiting (line open)</option><option value="prequeue">Pre-queue</option><option value="paused">Paused</option><option value="soldout">Sold out</option><option value="closed">Closed</option></select>
<label for="page-lang">Fans' language</label><select id="page-lang"><option value="">Every language (default)</option><option value="en">English only</option><option value="ko">Korean (한국어) only</option></select></div>
<div><label for="page-html">Page HTML</label><textarea id="page-html" class="page-html" rows="6" maxlength="20000" spellcheck="false"></textarea></div>
<button type="submit" id="page-save">Save page</button> <a id="page-preview" href="#" target="_blank" rel="noopener" hidden>Preview</a>
</form>
<p id="pages-notice" role="status"></p>
</section>
<section class="controls" aria-labelledby="rooms-heading">
<h2 id="rooms-heading">Rooms</h2>
<p class="muted">Covered events and paths: a fan who opens a covered event's page, or a page under a covered path, waits in this room's line, and the access this room gives opens everything it covers. Where rooms overlap one decides: an event's own room, then the room that covered it first; for a path, the longest prefix.</p>
<form id="covers-form">
<div><label for="covered-events">Covered events (event ids, one a line)</label>
<textarea id="covered-events" class="page-html" rows="3" spellcheck="false" aria-describedby="covered-events-problem"></textarea>
<p id="covered-events-problem" class="error" hidden></p></div>
<div><label for="covered-paths">Covered paths (prefixes under /events/&lt;id&gt;/, one a line)</label>
<textarea id="covered-paths" class="page-html" rows="3" spellcheck="false" aria-describedby="covered-paths-problem"></textarea>
<p id="covered-paths-problem" class="error" hidden></p></div>
<button type="submit" id="covers-submit">Set covered events and paths</button>
</form>
<p id="rooms-notice" role="status"></p>
<div class="table-wrap"><table class="codes-table"><caption>Covered events and paths</caption>
<thead><tr><th scope="col">Covered</th><th scope="col">Kind</th><th scope="col">Room deciding now</th></tr></thead>
<tbody id="covers-body"></tbody></table></div>
<p id="covers-empty" class="muted">This room covers only its own event.</p>
</section>
<section class="controls" aria-labelledby="waitlist-heading">
<h2 id="waitlist-heading">Waiting list</h2>
<p class="muted">Fans who came after sell-out (or were refused when the line stopped) and asked for seats; seats that come back are offered to them in order.</p>
<dl>
<div><dt>Waiting</dt><dd id="wl-waiting">-</dd></div>
<div><dt>Offered now</dt><dd id="wl-offered">-</dd></div>
<div><dt>Taken</dt><dd id="wl-taken">-</dd></div>
<div><dt>Passed</dt><dd id="wl-passed">-</dd></div>
</dl>
<div class="table-wrap"><table class="codes-table"><caption>Head of the list</caption>
<thead><tr><th scope="col">Place</th><th scope="col">Seats</th><th scope="col">Tier</th><th scope="col">State</th><th scope="col">Contact left</th></tr></thead>
<tbody id="wl-head"></tbody></table></div>
<p id="wl-empty" class="muted">Nobody is waiting.</p>
<div class="row"><button type="button" id="wl-refresh" class="secondary">Refresh waiting list</button></div>
<p id="wl-notice" role="status"></p>
</section>
<section class="controls" aria-labelledby="report-heading">
<h2 id="report-heading">Sale report</h2>
<p class="muted">What became of every fan who took a place, from MySQL. The signed report is checked with this site's /.well-known/jwks.json.</p>
<div class="row">
<button type="button" id="report-load">Refresh report</button>
<button type="button" id="report-json" class="secondary">Download JSON</button>
<button type="button" id="report-csv" class="secondary">Download CSV</button>
<button type="button" id="report-signed" class="secondary">Download signed</button>
</div>
<p id="report-notice" role="status"></p>
<div id="report-body" hidden>
<dl id="report-summary"></dl>
<div class="table-wrap"><table class="codes-table"><caption>Each tenth of the line, by queue number</caption>
<thead><tr><th scope="col">Tenth</th><th scope="col">Numbers</th><th scope="col">Admitted</th><th scope="col">Bought</th></tr></thead>
<tbody id="deciles-body"></tbody></table></div>
</div>
</section>
<section aria-labelledby="charts-heading">
<h2 id="charts-heading">Last 10 minutes <span class="muted" id="updated"></span></h2>
<div class="charts">
${figures}
</div>
</section>
</div>
</main>`,
  });
}

/** The script's URL carries a hash of its text: cached for a year, replaced by a new URL when it changes. */
export const dashboardScriptUrl = () => assetUrl("dashboard.js");
