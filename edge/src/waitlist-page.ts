/**
 * The sold-out and line-stopped pages with the waiting list on them: the page says plainly
 * that the list is open and has its form (how many seats, which tier, an email); its script
 * (edge/browser/waitlist.ts) posts it to POST /queue/:eventId/waitlist, then follows the
 * entry (GET on the same path): the place on the list, and, when seats come back, the seats
 * held for the fan with the claim window counting down and the button that claims them.
 */
import type { DeviceBinding } from "../../common/queue-state.ts";
import { escapeHtml } from "./html.ts";
import type { Language } from "./i18n/index.ts";
import { formatNumber } from "./i18n/format.ts";
import { fanPage, fillHtml } from "./page.ts";
import type { TierPrice } from "./routes/choice.ts";
import { WAITLIST_MAX_QUANTITY } from "./routes/waitlist.ts";

export interface WaitlistForm {
  tiers: TierPrice[];
  /** the event's per-order limit (the origin's copy), null when Redis has none */
  perOrderLimit: number | null;
  /** the organiser's device binding: where places are bound, so is the list's ticket (its join and claim carry the device key's proof) */
  deviceBinding: DeviceBinding;
}

function waitlistSection(f: WaitlistForm, l: Language): string {
  const p = l.t.page;
  const most = Math.max(1, Math.min(WAITLIST_MAX_QUANTITY, f.perOrderLimit ?? 4));
  const quantities = Array.from({ length: most }, (_, i) => i + 1)
    .map((q) => `<option value="${q}"${q === Math.min(2, most) ? " selected" : ""}>${formatNumber(l.locale, q)}</option>`)
    .join("");
  const tiers = [`<option value="">${escapeHtml(p.waitlistAnyTier)}</option>`, ...f.tiers.map((t) => `<option value="${escapeHtml(t.tier)}">${escapeHtml(t.tier)}</option>`)].join("");
  return `<section id="waitlist" class="waitlist" aria-labelledby="waitlist-title">
<h2 id="waitlist-title">${escapeHtml(p.waitlistHeading)}</h2>
<p>${escapeHtml(p.waitlistText)}</p>
<form id="waitlist-form" class="choice" novalidate>
<p><label>${escapeHtml(p.waitlistQuantity)} <select id="waitlist-quantity">${quantities}</select></label>
<label>${escapeHtml(p.waitlistTier)} <select id="waitlist-tier">${tiers}</select></label></p>
<p class="code-form"><label for="waitlist-email">${escapeHtml(p.waitlistEmail)}</label>
<input id="waitlist-email" name="email" type="email" autocomplete="email" inputmode="email" maxlength="200" aria-describedby="waitlist-error">
<button id="waitlist-join" type="submit" class="primary">${escapeHtml(p.waitlistButton)}</button></p>
</form>
<p id="waitlist-error" class="notice" role="alert" hidden></p>
<div id="waitlist-entry" hidden>
<p id="waitlist-state" class="muted"></p>
<div id="waitlist-place"><p class="muted">${escapeHtml(p.waitlistPlace)}</p><p class="big" id="waitlist-position">...</p></div>
</div>
<div id="waitlist-offer" class="turn" hidden>
<h2>${escapeHtml(p.waitlistOfferHeading)}</h2>
<p id="waitlist-seats"></p>
<p>${fillHtml(p.waitlistClaimWithin, { time: '<b id="waitlist-left" class="big">...</b>' })}</p>
<p><button id="waitlist-claim" type="button" class="primary">${escapeHtml(p.waitlistClaimButton)}</button></p>
</div>
<p id="waitlist-announce" class="visually-hidden" role="status" aria-live="polite"></p>
</section>`;
}

/** A page for a sale fans can no longer join (sold out, or the line stopped), with the waiting list open on it; `organiser`: their own page for the state, shown instead of `message`. */
export function waitlistPage(eventId: string, title: string, message: string, form: WaitlistForm, l: Language, organiser = ""): string {
  return fanPage(l, {
    title,
    data: { "event-id": eventId, texts: l.t.live, "device-binding": form.deviceBinding },
    scripts: ["waitlist.js"],
    body: `<h1>${escapeHtml(title)}</h1>${organiser || `<p>${escapeHtml(message)}</p>`}
${waitlistSection(form, l)}`,
  });
}
