/**
 * The waiting room page and the message pages (sale ended, queue full, no such event,
 * busy): plain HTML. The waiting room's script (edge/browser/waiting-room.ts: the position
 * stream, the claim, the redirect) reads the event id, the first view and the restoring
 * words from the body's data attributes.
 */
import type { ChallengeMode } from "../../common/queue-state.ts";
import { assetUrl } from "./assets.ts";
import { escapeHtml, renderPage } from "./html.ts";
import { RESTORING_MESSAGE } from "./restoring.ts";
import { chanceWords } from "../../common/honest-line.ts";
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

export const CHECKING_WORDS = "Checking your browser before giving you a place. This takes a few seconds; there is nothing to do.";

/** What the waiting page's script is told beyond the fan's view. */
export interface WaitingPageOptions {
  /** what the event asks before a new place, so the script solves it before any join it makes */
  challenge?: ChallengeMode;
  /** the fan has no place yet, and the script solves and joins at once */
  solveFirst?: boolean;
  turnstileSiteKey?: string | null;
  /** the place's resume link (edge/src/resume.ts), shown as text and drawn as a QR code by the script; absent while the fan holds no waiting place */
  resumePath?: string | null;
  /** the organiser's device binding, which tells the script whether to make a key */
  deviceBinding?: DeviceBinding;
  /** the page's script joins (or finds its place again) with the device key it keeps (edge/src/dpop.ts) */
  joining?: boolean;
}

/**
 * `restoring`: the fan keeps a place, but the line is being restored, so no position is shown yet.
 */
export function waitingRoomPage(
  eventId: string,
  initial: FanView | null,
  about: Snapshot["about"] = null,
  restoring = false,
  o: WaitingPageOptions = {},
): string {
  const { challenge = "off", solveFirst = false, turnstileSiteKey = null, resumePath = null, deviceBinding = "off", joining = false } = o;
  const state = solveFirst ? CHECKING_WORDS : restoring ? "Reconnecting to the line..." : joining ? "Joining the line..." : "You are in line. Keep this page open; it updates by itself.";
  return renderPage({
    title: about ? `Waiting room: ${about.name}` : "Waiting room",
    bodyClass: "fan",
    data: {
      "event-id": eventId,
      "restoring-message": RESTORING_MESSAGE,
      "initial-view": initial,
      challenge,
      "solve-first": solveFirst ? "1" : null,
      "pow-worker": assetUrl("pow-worker.js"),
      "turnstile-site-key": turnstileSiteKey,
      "resume-path": resumePath,
      "device-binding": deviceBinding,
      ...(joining ? { joining: "1" } : {}),
    },
    scripts: ["waiting-room.js"],
    body: `${aboutEvent(about)}<h1>You are in the waiting room</h1>
<p id="state" class="muted">${state}</p>
${challenge === "turnstile" ? '<div id="turnstile"></div>' : ""}
<p id="restoring" class="restoring" role="status" aria-live="polite">${restoring ? RESTORING_MESSAGE : ""}</p>
<p id="notice" class="notice" role="status" hidden></p>
<p id="opens" hidden>The sale opens in <b id="opens-in" class="big" aria-live="off"></b></p>
<div id="line">
<p class="muted">Your place in line</p><p class="big" id="position">${initial ? initial.position.toLocaleString("en") : "..."}</p>
<div class="bar" role="progressbar" aria-label="Progress through the line" aria-valuemin="0" aria-valuemax="100"><div id="progress"></div></div>
<p>Fans ahead of you: <b id="ahead">${initial?.ahead ?? "..."}</b> &middot; behind you: <b id="behind">${initial?.behind ?? "..."}</b></p>
<p>Estimated wait: <b id="wait">${initial?.waitTimeKnown ? `about ${escapeHtml(initial.waitTimeFormatted)}` : "being estimated"}</b></p>
<p id="chance-line"${initial?.chance ? "" : " hidden"}>Chance of getting a ticket at your place: <b id="chance">${initial?.chance ? `${escapeHtml(chanceWords(initial.chance))}` : ""}</b></p>
<p class="muted">When it is your turn you will be taken to the sale automatically. Refreshing this page keeps your place.</p>
<p><button id="notify" type="button" class="primary">Tell me when it is my turn</button> <span id="notify-state" class="muted"></span></p>
</div>
<div id="turn" class="turn" hidden>
<h2>It is your turn!</h2>
<p>Claim it within <b id="claim-left" class="big">...</b></p>
<p><button id="claim" type="button" class="primary">Go to the seats</button></p>
</div>
<p id="announce" class="visually-hidden" role="status" aria-live="polite"></p>
${resumePath ? resumeSection() : ""}`,
  });
}

/** Where the page offers to put the place on another device; the script fills in the full link and its QR code. */
function resumeSection(): string {
  return `<section id="resume" class="resume" aria-labelledby="resume-title">
<h2 id="resume-title">Continue on another device</h2>
<p>Open this link or scan the code on your other phone or computer: your place goes with it. Only one device holds the place at a time: the latest one to open the link. This page tells you if the place moves.</p>
<p><a id="resume-link" href="#">...</a></p>
<canvas id="resume-qr" width="200" height="200" role="img" aria-label="QR code of the resume link"></canvas>
</section>`;
}

/** The resume link's page: asks before moving the place, so a link preview moves nothing. */
export function resumePage(eventId: string): string {
  return renderPage({
    title: "Move your place here",
    bodyClass: "fan",
    data: { "event-id": eventId },
    scripts: ["resume.js"],
    body: `<h1>Move your place in line to this device?</h1>
<p>Your place in the waiting room will be on this device, and the device that has it now will be told that it moved. Only one device holds a place at a time.</p>
<p><button id="move" type="button" class="primary">Move my place here</button></p>
<p id="result" role="status"></p>`,
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
