/** The waiting room page: plain HTML and one small script (EventSource, claim, redirect). */
import { assetUrl } from "./assets.ts";
import { RESTORING_MESSAGE } from "./restoring.ts";
import type { FanView, Snapshot } from "./snapshot.ts";

/** Text for HTML: what the origin wrote about an event is data, never markup. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const style = `
body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f;line-height:1.5}
h1{font-size:1.5rem}.big{font-size:3rem;font-weight:700;margin:.25rem 0}
.bar{height:.75rem;background:#e6e6ee;border-radius:.5rem;overflow:hidden}
.bar>div{height:100%;width:0;background:#4b3fd6;transition:width .6s}
.muted{color:#5d5d6b}.event{font-size:1.1rem;margin:0 0 -.5rem}.notice{padding:.75rem 1rem;border-radius:.5rem;background:#fff4d6}
.restoring{padding:.75rem 1rem;border-radius:.5rem;background:#e3ecff;font-weight:600}.restoring:empty{padding:0}
`;

/** Every page names its icon, so browsers do not ask /favicon.ico on their own. */
export const iconLink = () => `<link rel="icon" href="${assetUrl("icon.svg")}" type="image/svg+xml">`;

export function shell(title: string, body: string, extraStyle = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>${iconLink()}<style>${style}${extraStyle}</style></head><body>${body}</body></html>`;
}

/** A page for states without a place in line (sale ended, queue full, no such event, busy). */
export function messagePage(title: string, message: string): string {
  return shell(title, `<h1>${title}</h1><p>${message}</p>`);
}

const script = (eventId: string, initial: FanView | null) => `
(() => {
  const eventId = ${JSON.stringify(eventId)};
  const restoringWords = ${JSON.stringify(RESTORING_MESSAGE)};
  const $ = (id) => document.getElementById(id);
  const startKey = "cu-start-" + eventId;
  const labels = { prequeue: "The sale has not opened yet. Everyone here before it opens gets a place drawn by lot.", paused: "The sale is paused. You keep your place.", soldout: "Sold out. No more tickets are available.", closed: "The sale is closed." };
  let source, opensAt = null, clock;
  function countdown() {
    const left = opensAt === null ? 0 : Math.max(0, Math.ceil((opensAt - Date.now()) / 1000));
    $("opens").hidden = left === 0;
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    $("opens-in").textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  }
  // the line is being restored after a failure: no position is true now, so none is shown;
  // said once in the polite live region, cleared when true positions come back
  function restoring(message) {
    const words = message || restoringWords;
    if ($("restoring").textContent !== words) $("restoring").textContent = words;
    $("state").textContent = "Reconnecting to the line...";
    for (const id of ["position", "ahead", "behind"]) $(id).textContent = "...";
    $("wait").textContent = "being estimated";
  }
  function show(v) {
    $("restoring").textContent = "";
    $("position").textContent = v.position.toLocaleString();
    $("ahead").textContent = v.ahead.toLocaleString();
    $("behind").textContent = v.behind.toLocaleString();
    $("wait").textContent = v.waitTimeKnown ? "about " + v.waitTimeFormatted : "being estimated";
    const start = Math.max(Number(sessionStorage.getItem(startKey)) || 0, v.position);
    sessionStorage.setItem(startKey, String(start));
    const done = start > 1 ? Math.round(100 * (start - v.position) / (start - 1)) : 100;
    $("progress").style.width = done + "%";
    $("progress").parentElement.setAttribute("aria-valuenow", String(done));
    const note = labels[v.status];
    $("notice").hidden = !note;
    $("notice").textContent = note || "";
    opensAt = v.status === "prequeue" && v.opensAt ? Date.parse(v.opensAt) : null;
    countdown();
    clearInterval(clock);
    if (opensAt !== null) clock = setInterval(countdown, 1000);
  }
  function over(body) {
    if (source) source.close();
    clearInterval(clock);
    $("opens").hidden = true;
    $("line").hidden = true;
    $("state").textContent = body.message || "The sale is over.";
    $("notice").hidden = false;
    $("notice").textContent = labels[body.status] || labels.closed;
  }
  async function claim() {
    $("state").textContent = "It's your turn! Taking you in...";
    const res = await fetch("/queue/" + eventId + "/claim", { method: "POST", credentials: "same-origin" });
    const body = await res.json().catch(() => ({}));
    if (res.ok) { sessionStorage.removeItem(startKey); location.replace(body.redirect || "/events/" + eventId); return; }
    $("state").textContent = body.message || "Your turn could not be claimed.";
    if (body.code === "RESTORING" || res.status === 503) setTimeout(claim, 1000 * (Number(res.headers.get("retry-after")) || 3));
    if (body.code === "CLAIM_EXPIRED" || body.code === "NOT_ADMITTED") setTimeout(rejoin, 3000);
  }
  async function rejoin() {
    sessionStorage.removeItem(startKey);
    const res = await fetch("/queue/" + eventId + "/join", { method: "POST", credentials: "same-origin" });
    if (res.ok) { const v = await res.json(); if (v.admitted) return claim(); show(v); connect(); }
    else {
      const body = await res.json().catch(() => ({}));
      if (body.code === "RESTORING") { restoring(body.message); setTimeout(rejoin, 1000 * (Number(res.headers.get("retry-after")) || 3)); return; }
      $("state").textContent = body.message || "Could not join the line.";
    }
  }
  function connect() {
    if (source) source.close();
    source = new EventSource("/queue/" + eventId + "/events");
    source.addEventListener("position", (e) => { $("state").textContent = "You are in line."; show(JSON.parse(e.data)); });
    source.addEventListener("admitted", () => { source.close(); claim(); });
    source.addEventListener("expired", () => { source.close(); rejoin(); });
    source.addEventListener("closed", (e) => over(JSON.parse(e.data)));
    source.addEventListener("restoring", (e) => restoring(JSON.parse(e.data).message));
    source.onerror = () => { if (source.readyState !== EventSource.CLOSED) $("state").textContent = "Reconnecting... you keep your place."; };
  }
  for (const t of document.querySelectorAll("time[datetime]")) t.textContent = new Date(t.getAttribute("datetime")).toLocaleString();
  const initial = ${JSON.stringify(initial).replace(/</g, "\\u003c")};
  if (initial) show(initial);
  connect();
})();`;

function aboutEvent(about: Snapshot["about"]): string {
  if (!about) return "";
  const when = about.startsAt ? ` &middot; <time datetime="${new Date(about.startsAt).toISOString()}">${new Date(about.startsAt).toUTCString()}</time>` : "";
  return `<p class="event"><b id="event-name">${escapeHtml(about.name)}</b><br><span class="muted">${escapeHtml(about.venue)}${when}</span></p>`;
}

/** `restoring`: the fan keeps a place, but the line is being restored, so no position is shown yet. */
export function waitingRoomPage(eventId: string, initial: FanView | null, about: Snapshot["about"] = null, restoring = false): string {
  return shell(
    about ? `Waiting room: ${escapeHtml(about.name)}` : "Waiting room",
    `${aboutEvent(about)}<h1>You are in the waiting room</h1>
<p id="state" class="muted">${restoring ? "Reconnecting to the line..." : "You are in line. Keep this page open; it updates by itself."}</p>
<p id="restoring" class="restoring" role="status" aria-live="polite">${restoring ? RESTORING_MESSAGE : ""}</p>
<p id="notice" class="notice" role="status" hidden></p>
<p id="opens" hidden>The sale opens in <b id="opens-in" class="big" aria-live="off"></b></p>
<div id="line">
<p class="muted">Your place in line</p><p class="big" id="position">${initial ? initial.position.toLocaleString("en") : "..."}</p>
<div class="bar" role="progressbar" aria-label="Progress through the line" aria-valuemin="0" aria-valuemax="100"><div id="progress"></div></div>
<p>Fans ahead of you: <b id="ahead">${initial?.ahead ?? "..."}</b> &middot; behind you: <b id="behind">${initial?.behind ?? "..."}</b></p>
<p>Estimated wait: <b id="wait">${initial?.waitTimeKnown ? `about ${initial.waitTimeFormatted}` : "being estimated"}</b></p>
<p class="muted">When it is your turn you will be taken to the sale automatically. Refreshing this page keeps your place.</p>
</div>
<script>${script(eventId, initial)}</script>`,
  );
}
