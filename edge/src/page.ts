/**
 * The waiting room page and the message pages (sale ended, queue full, no such event,
 * busy): plain HTML. The waiting room's script (edge/browser/waiting-room.ts: the position
 * stream, the claim, the redirect) reads the event id, the first view and the restoring
 * words from the body's data attributes.
 */
import { escapeHtml, renderPage } from "./html.ts";
import { RESTORING_MESSAGE } from "./restoring.ts";
import type { FanView, Snapshot } from "./snapshot.ts";

/** A page for states without a place in line (sale ended, queue full, no such event, busy). */
export function messagePage(title: string, message: string): string {
  return renderPage({ title, bodyClass: "fan", body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` });
}

function aboutEvent(about: Snapshot["about"]): string {
  if (!about) return "";
  const when = about.startsAt ? ` &middot; <time datetime="${new Date(about.startsAt).toISOString()}">${new Date(about.startsAt).toUTCString()}</time>` : "";
  return `<p class="event"><b id="event-name">${escapeHtml(about.name)}</b><br><span class="muted">${escapeHtml(about.venue)}${when}</span></p>`;
}

/** `restoring`: the fan keeps a place, but the line is being restored, so no position is shown yet. */
export function waitingRoomPage(eventId: string, initial: FanView | null, about: Snapshot["about"] = null, restoring = false): string {
  return renderPage({
    title: about ? `Waiting room: ${about.name}` : "Waiting room",
    bodyClass: "fan",
    data: { "event-id": eventId, "restoring-message": RESTORING_MESSAGE, "initial-view": initial },
    scripts: ["waiting-room.js"],
    body: `${aboutEvent(about)}<h1>You are in the waiting room</h1>
<p id="state" class="muted">${restoring ? "Reconnecting to the line..." : "You are in line. Keep this page open; it updates by itself."}</p>
<p id="restoring" class="restoring" role="status" aria-live="polite">${restoring ? RESTORING_MESSAGE : ""}</p>
<p id="notice" class="notice" role="status" hidden></p>
<p id="opens" hidden>The sale opens in <b id="opens-in" class="big" aria-live="off"></b></p>
<div id="line">
<p class="muted">Your place in line</p><p class="big" id="position">${initial ? initial.position.toLocaleString("en") : "..."}</p>
<div class="bar" role="progressbar" aria-label="Progress through the line" aria-valuemin="0" aria-valuemax="100"><div id="progress"></div></div>
<p>Fans ahead of you: <b id="ahead">${initial?.ahead ?? "..."}</b> &middot; behind you: <b id="behind">${initial?.behind ?? "..."}</b></p>
<p>Estimated wait: <b id="wait">${initial?.waitTimeKnown ? `about ${escapeHtml(initial.waitTimeFormatted)}` : "being estimated"}</b></p>
<p class="muted">When it is your turn you will be taken to the sale automatically. Refreshing this page keeps your place.</p>
</div>`,
  });
}

/**
 * An invite-only room, for a fan without a place: the access code field. Its script
 * (edge/browser/access-code.ts) sends the code to the JSON join and, once placed, reloads
 * into the waiting room; a refused code is said beside the field.
 */
export function accessCodePage(eventId: string, about: Snapshot["about"] = null): string {
  return renderPage({
    title: about ? `Access code: ${about.name}` : "Access code",
    bodyClass: "fan",
    data: { "event-id": eventId },
    scripts: ["access-code.js"],
    body: `${aboutEvent(about)}<h1>This sale is for invited fans</h1>
<p>Enter the access code you were sent to get your place in line.</p>
<form id="code-form" class="code-form" novalidate>
<label for="access-code">Access code</label>
<input id="access-code" name="accessCode" autocomplete="off" autocapitalize="characters" spellcheck="false" required minlength="4" maxlength="80" aria-describedby="code-error">
<button type="submit">Join the line</button>
</form>
<p id="code-error" class="notice" role="alert"></p>`,
  });
}
