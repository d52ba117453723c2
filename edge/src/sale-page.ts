/**
 * The sale page an admitted fan gets at /events/:eventId: the seat map (a CSS grid per
 * section), holding up to the per-order limit with a countdown (seats picked on the map, or
 * the best available ones for a number of seats and a tier), paying, and the order
 * confirmation. Its script (edge/browser/sale.ts) talks to the origin only through the
 * edge's /api/* proxy, which the fan's active-token cookie opens. Refreshing finds the fan's
 * hold again (GET /holds) or shows the order again (?order= in the URL). Buying ends the
 * turn and releases the session's other holds: the confirmation names them, and another
 * tab of the same sale (told through localStorage) shows the order instead of a hold that
 * is gone.
 */
import { escapeHtml, renderPage } from "./html.ts";

export function salePage(eventId: string): string {
  return renderPage({
    title: "Choose your seats",
    bodyClass: "fan sale",
    data: { "event-id": eventId },
    scripts: ["sale.js"],
    body: `<h1 id="title">Choose your seats</h1>
<p id="venue" class="muted"></p>
<div id="sale">
<p>Prices: <span id="tiers"></span>. Choose up to <b id="limit">?</b> seats.</p>
<form id="best-form" class="best"><label>Seats <select id="best-qty"></select></label> <label>Tier <select id="best-tier"><option value="">any</option></select></label> <button id="best" type="submit">Best available</button> <span class="muted">or pick seats on the map</span></form>
<p class="legend"><span><i class="key-available"></i>available</span><span><i class="key-picked"></i>your choice</span><span><i class="key-held"></i>held</span><span><i class="key-sold"></i>sold</span> <span id="counts" class="muted"></span></p>
<div class="stage" aria-hidden="true">STAGE</div>
<div id="map" role="group" aria-label="Seat map"></div>
<div class="panel">
<p>Your seats: <b id="picked">none yet</b> <span id="countdown" class="muted"></span> <button id="extend" type="button" hidden>I need more time</button></p>
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
<div id="elsewhere" hidden><h2>This session belongs to another browser</h2><p id="elsewhere-why"></p><p>A turn in the sale can only be used in the browser or app that joined the line; continue there.</p></div>
<div id="expired" hidden><h2>Your turn has ended</h2><p>Your time in the sale is over. <a href="/events/${escapeHtml(eventId)}">Join the line again</a>.</p></div>`,
  });
}
