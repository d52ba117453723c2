/**
 * The sale page an admitted fan gets at /events/:eventId: the seat map (a CSS grid per
 * section), holding up to the per-order limit with a countdown (seats picked on the map, or
 * the best available ones for a number of seats and a tier), paying, and the order
 * confirmation; a fan holding seats may change them on the map without the countdown
 * starting again ("Change seats": PUT /api/events/:e/holds/:holdId/seats). Its script (edge/browser/sale.ts) talks to the origin only through the
 * edge's /api/* proxy, which the fan's active-token cookie opens. Refreshing finds the fan's
 * hold again (GET /holds) or shows the order again (?order= in the URL). Buying ends the
 * turn and releases the session's other holds: the confirmation names them, and another
 * tab of the same sale (told through localStorage) shows the order instead of a hold that
 * is gone. It speaks the fan's language, as the waiting room does (edge/src/i18n).
 */
import { escapeHtml, renderPage } from "./html.ts";
import { fill } from "./i18n/format.ts";
import { ENGLISH, type Language } from "./i18n/index.ts";
import { switcher } from "./page.ts";

/** A catalogue's text as markup: the text escaped, then its `{name}` marks replaced by the markup given. */
const fillHtml = (text: string, markup: Record<string, string>) => fill(escapeHtml(text), markup);

/** The sale page in the fan's language (the waiting room's choice: ?lang=, cu_lang, Accept-Language); its script gets the same texts. */
export function salePage(eventId: string, l: Language = ENGLISH): string {
  const t = l.t.sale;
  const e = escapeHtml;
  return renderPage({
    title: t.title,
    bodyClass: "fan sale",
    lang: l.locale,
    data: { "event-id": eventId, texts: t },
    scripts: ["sale.js"],
    body: `${switcher(l)}<h1 id="title">${e(t.title)}</h1>
<p id="venue" class="muted"></p>
<div id="sale">
<p>${fillHtml(t.prices, { tiers: '<span id="tiers"></span>', limit: '<b id="limit">?</b>' })}</p>
<form id="best-form" class="best"><label>${e(t.seatsLabel)} <select id="best-qty"></select></label> <label>${e(t.tierLabel)} <select id="best-tier"><option value="">${e(t.anyTier)}</option></select></label> <button id="best" type="submit">${e(t.bestButton)}</button> <span class="muted">${e(t.orPick)}</span></form>
<p class="legend"><span><i class="key-available"></i>${e(t.available)}</span><span><i class="key-picked"></i>${e(t.yourChoice)}</span><span><i class="key-held"></i>${e(t.held)}</span><span><i class="key-sold"></i>${e(t.sold)}</span> <span id="counts" class="muted"></span></p>
<div class="stage" aria-hidden="true">${e(t.stage)}</div>
<div id="map" role="group" aria-label="${e(t.seatMap)}"></div>
<div class="panel">
<p>${e(t.yourSeats)} <b id="picked">${e(t.noneYet)}</b> <span id="countdown" class="muted"></span> <button id="extend" type="button" hidden>${e(t.moreTimeButton)}</button></p>
<p id="message" class="muted" role="status" aria-live="polite"></p>
<fieldset id="payment" hidden><legend>${e(t.payment)}</legend>
<label><input type="radio" name="card" value="sim_approve" checked> ${e(t.cardApproved)}</label>
<label><input type="radio" name="card" value="sim_decline"> ${e(t.cardDeclined)}</label>
</fieldset>
<button id="hold" class="primary" type="button" disabled>${e(t.holdButton)}</button>
<button id="pay" class="primary" type="button" hidden>${e(t.payButton)}</button>
<button id="release" type="button" hidden>${e(t.releaseButton)}</button>
<button id="change" type="button" hidden>${e(t.changeButton)}</button>
<button id="change-save" class="primary" type="button" hidden>${e(t.changeSaveButton)}</button>
<button id="change-cancel" type="button" hidden>${e(t.changeCancelButton)}</button>
</div>
</div>
<div id="done" hidden><h2>${e(t.doneHeading)}</h2><p>${fillHtml(t.doneText, { order: '<b id="order-id"></b>', seats: '<b id="order-seats"></b>', total: '<b id="order-total"></b>' })}</p><p id="order-note"></p><p class="muted">${e(t.doneKeep)}</p></div>
<div id="elsewhere" hidden><h2>${e(t.elsewhereHeading)}</h2><p id="elsewhere-why"></p><p>${e(t.elsewhereText)}</p></div>
<div id="expired" hidden><h2>${e(t.expiredHeading)}</h2><p>${fillHtml(t.expiredText, { link: `<a href="/events/${e(eventId)}">${e(t.joinAgain)}</a>` })}</p></div>`,
  });
}
