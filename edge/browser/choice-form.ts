/**
 * The waiting page's seat choice: how many seats and which tier the fan wants at their turn
 * (PUT /queue/:eventId/choice), said back in the page's language; and, as the stream moves
 * the fan, a warning when the fans ahead have already asked for every seat left in the
 * chosen tier, naming the tiers still open to choose instead (FanView.tiersRunningOut).
 * The page has no form when the event publishes no tiers (edge/src/page.ts).
 */
import type { DeclaredChoice } from "../../common/choice.ts";
import type { LiveTexts } from "../src/i18n/en.ts";
import { fill } from "../src/i18n/format.ts";
import { byId, jsonBody, pageJson, type ApiBody } from "./dom.ts";

type Put = (path: string, body: unknown) => Promise<Response>;

let declared: DeclaredChoice | null = null;
let runningOut: string[] = [];
let texts: LiveTexts;
let tiers: string[] = [];

function say(): void {
  if (!document.getElementById("choice")) return;
  byId("choice-state").textContent = declared
    ? fill(texts.choiceSaved, { quantity: String(declared.quantity), tier: declared.tier ?? texts.choiceAny })
    : texts.choiceNone;
  const warning = byId("choice-warning");
  const out = declared ? (declared.tier ? runningOut.includes(declared.tier) : tiers.length > 0 && tiers.every((t) => runningOut.includes(t))) : false;
  warning.hidden = !out;
  if (!out) return;
  const others = tiers.filter((t) => !runningOut.includes(t));
  warning.textContent = declared!.tier && others.length > 0 ? fill(texts.choiceRunningOut, { tier: declared!.tier, others: others.join(", ") }) : texts.choiceRunningOutAll;
}

export function initChoiceForm(eventId: string, t: LiveTexts, put: Put, english: boolean): void {
  const form = document.getElementById("choice") as HTMLFormElement | null;
  if (!form) return;
  texts = t;
  declared = pageJson<DeclaredChoice | null>("choiceDeclared");
  tiers = pageJson<string[]>("choiceTiers") ?? [];
  say();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const quantity = Number((byId("choice-quantity") as HTMLSelectElement).value);
    const tier = (byId("choice-tier") as HTMLSelectElement).value;
    void (async () => {
      const res = await put("/queue/" + eventId + "/choice", { quantity, ...(tier ? { tier } : {}) });
      const body = await jsonBody<ApiBody & { choice?: DeclaredChoice }>(res);
      if (res.ok && body.choice) {
        declared = body.choice;
        say();
      } else {
        byId("choice-state").textContent = (english && body.message) || t.choiceFailed;
      }
    })();
  });
}

/** What the stream says of the tiers: the warning follows it. */
export function showTiers(view: { tiersRunningOut?: string[] }): void {
  runningOut = view.tiersRunningOut ?? [];
  say();
}
