/**
 * The waiting room page and the message pages (sale ended, queue full, no such event,
 * busy): plain HTML. The waiting room's script (edge/browser/waiting-room.ts: the position
 * stream, the claim, the redirect) reads the event id, the first view and the restoring
 * words from the body's data attributes.
 */
import { escapeHtml, renderPage } from "./html.ts";
import { RESTORING_MESSAGE } from "./restoring.ts";
import type { DeviceBinding } from "../../common/queue-state.ts";
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

/**
 * `restoring`: the fan keeps a place, but the line is being restored, so no position is shown yet.
 * `joining`: the page's script joins (or finds its place again) with the device key it keeps
 * (edge/src/dpop.ts); `deviceBinding` is the organiser's setting, which tells it whether to make one.
 */
export function waitingRoomPage(
  eventId: string,
  initial: FanView | null,
  about: Snapshot["about"] = null,
  restoring = false,
  binding: { deviceBinding: DeviceBinding; joining: boolean } = { deviceBinding: "off", joining: false },
): string {
  const state = restoring ? "Reconnecting to the line..." : binding.joining ? "Joining the line..." : "You are in line. Keep this page open; it updates by itself.";
  return renderPage({
    title: about ? `Waiting room: ${about.name}` : "Waiting room",
    bodyClass: "fan",
    data: { "event-id": eventId, "restoring-message": RESTORING_MESSAGE, "initial-view": initial, "device-binding": binding.deviceBinding, ...(binding.joining ? { joining: "1" } : {}) },
    scripts: ["waiting-room.js"],
    body: `${aboutEvent(about)}<h1>You are in the waiting room</h1>
<p id="state" class="muted">${state}</p>
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
