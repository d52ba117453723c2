/**
 * The waiting room page and the message pages (sale ended, queue full, no such event,
 * busy): plain HTML. The waiting room's script (edge/browser/waiting-room.ts: the position
 * stream, the claim, the redirect) reads the event id, the first view and the restoring
 * words from the body's data attributes.
 */
import type { ChallengeMode } from "../../common/queue-state.ts";
import { assetUrl } from "./assets.ts";
import { escapeHtml, renderPage } from "./html.ts";
import { ENGLISH, LANG_NAMES, LANGS, type Language } from "./i18n/index.ts";
import { chanceLine, dateTime, fill, formatNumber, momentWithZone, waitLine } from "./i18n/format.ts";
import type { DeviceBinding } from "../../common/queue-state.ts";
import { kindOf, templateSections, type Templates } from "./page-templates.ts";
import type { FanView, Snapshot } from "./snapshot.ts";
import type { DeclaredChoice } from "../../common/choice.ts";
import type { TierPrice } from "./routes/choice.ts";

/** A catalogue's text as markup: the text escaped, then its `{name}` marks replaced by the markup given. */
export const fillHtml = (text: string, markup: Record<string, string>) => fill(escapeHtml(text), markup);

/** The language switcher: plain links (`?lang=`), remembered by the page's cookie, each name in its own language. */
export function switcher(l: Language): string {
  const links = LANGS.map((lang) => `<a href="?lang=${lang}" hreflang="${lang}" lang="${lang}"${lang === l.lang ? ' aria-current="true"' : ""}>${escapeHtml(LANG_NAMES[lang])}</a>`);
  return `<nav class="languages" aria-label="${escapeHtml(l.t.page.languages)}">${links.join(" ")}</nav>`;
}

/** A fan page in the fan's language: <html lang>, the switcher first. */
export function fanPage(l: Language, parts: Omit<Parameters<typeof renderPage>[0], "bodyClass" | "lang">): string {
  return renderPage({ ...parts, bodyClass: "fan", lang: l.locale, body: switcher(l) + parts.body });
}

/** A page for states without a place in line (sale ended, queue full, no such event, busy); `organiser`: the organiser's own page for it, sanitised and filled (edge/src/page-templates.ts), shown after the heading. */
export function messagePage(title: string, message: string, l: Language = ENGLISH, organiser = ""): string {
  return fanPage(l, { title, body: `<h1>${escapeHtml(title)}</h1>${organiser || `<p>${escapeHtml(message)}</p>`}` });
}

/** The event's name, venue and start (in the locale, UTC here; the page's script writes it in the fan's own zone). */
function aboutEvent(about: Snapshot["about"], l: Language): string {
  if (!about) return "";
  const at = about.startsAt ? new Date(about.startsAt) : null;
  const when = at ? ` &middot; <time datetime="${at.toISOString()}">${escapeHtml(dateTime(l.locale, at, "UTC"))}</time>` : "";
  return `<p class="event"><b id="event-name">${escapeHtml(about.name)}</b><br><span class="muted">${escapeHtml(about.venue)}${when}</span></p>`;
}

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
  /** the organiser's own pages for the line's states (edge/src/page-templates.ts), sanitised; the script shows the one for the line's status */
  templates?: Templates;
  /** the seats to choose while waiting (routes/choice.ts): the event's tiers, its per-order limit and the fan's choice so far; absent: no form */
  choice?: ChoiceForm | null;
}

export interface ChoiceForm {
  tiers: TierPrice[];
  perOrderLimit: number;
  declared: DeclaredChoice | null;
}

/** The form a waiting fan says which seats they want with; the script sends it (PUT /queue/:eventId/choice) and says what is kept. */
function choiceSection(f: ChoiceForm, l: Language): string {
  const { page: p } = l.t;
  const most = Math.max(1, Math.min(20, f.perOrderLimit));
  const quantities = Array.from({ length: most }, (_, i) => i + 1)
    .map((q) => `<option value="${q}"${(f.declared?.quantity ?? 2) === q ? " selected" : ""}>${formatNumber(l.locale, q)}</option>`)
    .join("");
  const tiers = [`<option value="">${escapeHtml(p.choiceAnyTier)}</option>`, ...f.tiers.map((t) => `<option value="${escapeHtml(t.tier)}"${f.declared?.tier === t.tier ? " selected" : ""}>${escapeHtml(t.tier)}</option>`)].join("");
  return `<form id="choice" class="choice">
<h2>${escapeHtml(p.choiceHeading)}</h2>
<p><label>${escapeHtml(p.choiceQuantity)} <select id="choice-quantity">${quantities}</select></label>
<label>${escapeHtml(p.choiceTier)} <select id="choice-tier">${tiers}</select></label>
<button id="choice-save" type="submit">${escapeHtml(p.choiceSave)}</button></p>
<p id="choice-state" class="muted" role="status"></p>
<p id="choice-warning" class="notice" role="alert" hidden></p>
</form>`;
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
  l: Language = ENGLISH,
): string {
  const { challenge = "off", solveFirst = false, turnstileSiteKey = null, resumePath = null, deviceBinding = "off", joining = false, templates = {}, choice = null } = o;
  const { page: p, live } = l.t;
  const n = (value: number | undefined) => (value === undefined ? "..." : formatNumber(l.locale, value));
  const state = solveFirst ? live.checking : restoring ? live.reconnecting : joining ? p.joining : live.inLine;
  const wait = initial ? waitLine(live, l.locale, initial.waitTimeSeconds) : live.waitEstimating;
  return fanPage(l, {
    title: about ? fill(p.waitingTitleFor, { name: about.name }) : p.waitingTitle,
    data: {
      "event-id": eventId,
      "restoring-message": live.restoring,
      "initial-view": initial,
      // the script's words for what the stream changes, in the page's language
      texts: live,
      challenge,
      "solve-first": solveFirst ? "1" : null,
      "pow-worker": assetUrl("pow-worker.js"),
      "turnstile-site-key": turnstileSiteKey,
      "resume-path": resumePath,
      "device-binding": deviceBinding,
      ...(joining ? { joining: "1" } : {}),
      ...(choice ? { "choice-declared": choice.declared, "choice-tiers": choice.tiers.map((t) => t.tier) } : {}),
    },
    scripts: ["waiting-room.js"],
    body: `${aboutEvent(about, l)}<h1>${escapeHtml(p.heading)}</h1>
${templateSections(templates, { eventName: about?.name ?? "", position: n(initial?.position), wait }, initial ? kindOf(initial.status) : null)}
<p id="state" class="muted">${escapeHtml(state)}</p>
${challenge === "turnstile" ? '<div id="turnstile"></div>' : ""}
<p id="restoring" class="restoring" role="status" aria-live="polite">${restoring ? escapeHtml(live.restoring) : ""}</p>
<p id="notice" class="notice" role="status" hidden></p>
<p id="opens" hidden>${fillHtml(p.opensIn, { time: '<b id="opens-in" class="big" aria-live="off"></b>' })}</p>
<div id="line">
<p class="muted">${escapeHtml(p.placeInLine)}</p><p class="big" id="position">${n(initial?.position)}</p>
<div class="bar" role="progressbar" aria-label="${escapeHtml(p.progressLabel)}" aria-valuemin="0" aria-valuemax="100"><div id="progress"></div></div>
<p>${fillHtml(p.aheadBehind, { ahead: `<b id="ahead">${n(initial?.ahead)}</b>`, behind: `<b id="behind">${n(initial?.behind)}</b>` })}</p>
<p>${fillHtml(p.estimatedWait, { wait: `<b id="wait">${escapeHtml(wait)}</b>` })}</p>
<p id="chance-line"${initial?.chance ? "" : " hidden"}>${fillHtml(p.chanceLine, { chance: `<b id="chance">${initial?.chance ? escapeHtml(chanceLine(live, l.locale, initial.chance)) : ""}</b>` })}</p>
${closingLines(initial, l)}
${choice ? choiceSection(choice, l) : ""}
<p class="muted">${escapeHtml(p.autoNote)}</p>
<p><button id="notify" type="button" class="primary">${escapeHtml(p.notifyButton)}</button> <span id="notify-state" class="muted"></span></p>
${resumePath ? emailForm(l) : ""}</div>
<div id="turn" class="turn" hidden>
<h2>${escapeHtml(p.turnHeading)}</h2>
<p>${fillHtml(p.claimWithin, { time: '<b id="claim-left" class="big">...</b>' })}</p>
<p><button id="claim" type="button" class="primary">${escapeHtml(p.claimButton)}</button> <button id="more-time" type="button">${escapeHtml(p.moreTimeButton)}</button></p>
</div>
<p id="announce" class="visually-hidden" role="status" aria-live="polite"></p>
${resumePath ? resumeSection(l) : ""}`,
  });
}

/**
 * The organiser's closing time, and a plain warning when the wait estimate runs past it. The
 * edge writes the time in UTC; the page's script writes it again in the fan's own zone.
 */
function closingLines(initial: FanView | null | undefined, l: Language): string {
  const p = l.t.page;
  const at = initial?.closesAt ? new Date(initial.closesAt) : null;
  const time = `<time id="closes-at"${at ? ` datetime="${at.toISOString()}"` : ""}>${at ? escapeHtml(momentWithZone(l.locale, at, "UTC")) : ""}</time>`;
  return `<p id="closes-line"${at ? "" : " hidden"}>${fillHtml(p.closesLine, { time })}</p>
<p id="closes-warning" class="notice"${initial?.turnAfterClosing ? "" : " hidden"}>${escapeHtml(p.turnAfterClosing)}</p>`;
}

/** The optional address for the turn email (edge/browser/turn-email.ts sends it to POST /queue/:eventId/notify). */
function emailForm(l: Language): string {
  const p = l.t.page;
  return `<form id="email-form" class="code-form" novalidate>
<label for="email">${escapeHtml(p.emailLabel)}</label>
<input id="email" name="email" type="email" autocomplete="email" inputmode="email" maxlength="254" aria-describedby="email-note email-state">
<button type="submit">${escapeHtml(p.emailButton)}</button>
</form>
<p id="email-note" class="muted">${escapeHtml(p.emailNote)}</p>
<p id="email-state" role="status"></p>`;
}

/** Where the page offers to put the place on another device; the script fills in the full link and its QR code. */
function resumeSection(l: Language): string {
  const p = l.t.page;
  return `<section id="resume" class="resume" aria-labelledby="resume-title">
<h2 id="resume-title">${escapeHtml(p.resumeTitle)}</h2>
<p>${escapeHtml(p.resumeText)}</p>
<p><a id="resume-link" href="#">...</a></p>
<canvas id="resume-qr" width="200" height="200" role="img" aria-label="${escapeHtml(p.resumeQrLabel)}"></canvas>
</section>`;
}

/** The resume link's page: asks before moving the place, so a link preview moves nothing. */
export function resumePage(eventId: string, deviceBinding: DeviceBinding = "off", l: Language = ENGLISH): string {
  const p = l.t.page;
  return fanPage(l, {
    title: p.moveTitle,
    data: { "event-id": eventId, texts: l.t.live, ...(deviceBinding === "off" ? {} : { "device-binding": deviceBinding }) },
    scripts: ["resume.js"],
    body: `<h1>${escapeHtml(p.moveHeading)}</h1>
<p>${escapeHtml(p.moveText)}</p>
<p><button id="move" type="button" class="primary">${escapeHtml(p.moveButton)}</button></p>
<p id="result" role="status"></p>`,
  });
}

/**
 * The turn link's page (the turn email): asks before claiming, so a mail scanner or a link
 * preview claims nothing, and counts the claim window down (edge/browser/resume.ts, which
 * posts to the link's own path); the deadline is written in UTC, the script writes it in
 * the fan's own zone.
 */
export function turnLinkPage(eventId: string, deadline: number, l: Language = ENGLISH): string {
  const p = l.t.page;
  const minutes = Math.max(1, Math.ceil((deadline - Date.now()) / 60_000));
  const until = new Date(deadline);
  const hhmm = `${String(until.getUTCHours()).padStart(2, "0")}:${String(until.getUTCMinutes()).padStart(2, "0")} UTC`;
  return fanPage(l, {
    title: p.turnLinkTitle,
    data: { "event-id": eventId, texts: l.t.live, deadline: String(deadline), "busy-text": l.t.live.claiming, "failed-text": l.t.live.claimFailed },
    scripts: ["resume.js"],
    body: `<h1>${escapeHtml(p.turnLinkHeading)}</h1>
<p>${fillHtml(p.turnLinkText, { time: `<b id="claim-left" class="big">${minutes} min</b>`, until: `<time id="claim-until" datetime="${until.toISOString()}">${hhmm}</time>` })}</p>
<p><button id="move" type="button" class="primary">${escapeHtml(p.turnLinkButton)}</button></p>
<p id="result" role="status"></p>`,
  });
}

/**
 * An invite-only room, for a fan without a place: the access code field. Its script
 * (edge/browser/access-code.ts) sends the code to the JSON join and, once placed, reloads
 * into the waiting room; a refused code is said beside the field.
 */
export function accessCodePage(eventId: string, about: Snapshot["about"] = null, l: Language = ENGLISH): string {
  const p = l.t.page;
  return fanPage(l, {
    title: about ? fill(p.codeTitleFor, { name: about.name }) : p.codeTitle,
    data: { "event-id": eventId, texts: l.t.live },
    scripts: ["access-code.js"],
    body: `${aboutEvent(about, l)}<h1>${escapeHtml(p.codeHeading)}</h1>
<p>${escapeHtml(p.codeText)}</p>
<form id="code-form" class="code-form" novalidate>
<label for="access-code">${escapeHtml(p.codeLabel)}</label>
<input id="access-code" name="accessCode" autocomplete="off" autocapitalize="characters" spellcheck="false" required minlength="4" maxlength="80" aria-describedby="code-error">
<button type="submit">${escapeHtml(p.codeButton)}</button>
</form>
<p id="code-error" class="notice" role="alert"></p>`,
  });
}

/**
 * A sale that asks who the fan is before a new place (docs/IDENTITY.md): an email's one-time
 * code, a passkey, or either, as the organiser set `identity`. Its script
 * (edge/browser/identity.ts) proves one with the origin, then joins with the proof and
 * reloads into the waiting room. In an invite-only sale (`inviteOnly`) the identity comes
 * first and then the access code field (hidden until the identity is proved): the join
 * brings both.
 */
export function identityPage(eventId: string, mode: "email" | "passkey" | "either", about: Snapshot["about"] = null, l: Language = ENGLISH, inviteOnly = false): string {
  const p = l.t.page;
  const email = mode !== "passkey"
    ? `<form id="email-form" class="code-form" novalidate>
<label for="identity-email">${escapeHtml(p.identityEmailLabel)}</label>
<input id="identity-email" name="email" type="email" autocomplete="email" required maxlength="254" aria-describedby="identity-said">
<button type="submit">${escapeHtml(p.identityEmailButton)}</button>
</form>
<form id="code-form" class="code-form" novalidate hidden>
<label for="identity-code">${escapeHtml(p.identityCodeLabel)}</label>
<input id="identity-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required aria-describedby="identity-said">
<button type="submit" class="primary">${escapeHtml(p.identityCodeButton)}</button>
</form>`
    : "";
  const passkey = mode !== "email"
    ? `<section class="passkey" aria-labelledby="passkey-title">
${mode === "either" ? `<h2 id="passkey-title">${escapeHtml(p.identityPasskeyHeading)}</h2>` : `<h2 id="passkey-title" class="visually-hidden">${escapeHtml(p.identityPasskeyHeading)}</h2>`}
<p><button id="passkey-new" type="button" class="primary">${escapeHtml(p.identityPasskeyNew)}</button> <button id="passkey-use" type="button">${escapeHtml(p.identityPasskeyUse)}</button></p>
</section>`
    : "";
  return fanPage(l, {
    title: about ? fill(p.identityTitleFor, { name: about.name }) : p.identityTitle,
    data: { "event-id": eventId, "identity-mode": mode, "invite-only": inviteOnly ? "1" : null, texts: l.t.live },
    scripts: ["identity.js"],
    body: `<div class="identity">${aboutEvent(about, l)}<h1>${escapeHtml(p.identityHeading)}</h1>
<div id="identity-step"><p>${escapeHtml(p.identityText)}</p>
${email}
${passkey}</div>
${inviteOnly ? accessStep(l) : ""}
<p id="identity-said" class="notice" role="alert"></p></div>`,
  });
}

/** The access code field of an invite-only sale that asks an identity too: shown by the identity step's script once the identity is proved. */
function accessStep(l: Language): string {
  const p = l.t.page;
  return `<section id="access-step" aria-labelledby="access-title" hidden>
<h2 id="access-title">${escapeHtml(p.codeHeading)}</h2>
<p>${escapeHtml(p.codeText)}</p>
<form id="access-form" class="code-form" novalidate>
<label for="access-code">${escapeHtml(p.codeLabel)}</label>
<input id="access-code" name="accessCode" autocomplete="off" autocapitalize="characters" spellcheck="false" required minlength="4" maxlength="80" aria-describedby="identity-said">
<button type="submit" class="primary">${escapeHtml(p.codeButton)}</button>
</form>
</section>`;
}
