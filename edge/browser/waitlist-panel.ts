/**
 * The dashboard's waiting list panel: how many entries wait, how many offers are open now,
 * how many were taken (claimed) and how many passed, and the head of the list (the first
 * entries still waiting or offered, in order, with what they asked for and an open offer's
 * deadline), from GET /admin/events/:e/waitlist. Read when the dashboard opens, on Refresh,
 * and every REFRESH_EVERY_MS while the dashboard is shown. The fans' contacts are never
 * shown (the API says only whether one was left). The dashboard (./dashboard.ts) hands it
 * its authorised `call`.
 */
import type { Call } from "./access-panel.ts";
import { byId } from "./dom.ts";

interface Entry {
  place: number;
  quantity: number;
  tier: string | null;
  hasContact: boolean;
  status: "waiting" | "offered" | "claimed" | "passed";
  offerDeadline: string | null;
}
interface WaitlistView {
  waiting: number;
  offers: number;
  claimed: number;
  passed: number;
  entries: Entry[];
}

const REFRESH_EVERY_MS = 5000;
/** How many entries the head of the list shows. */
const HEAD = 10;
const num = (n: number) => n.toLocaleString();

export function waitlistPanel(call: Call, base: string, said: (message: string) => void) {
  async function load(): Promise<void> {
    const w = await call<WaitlistView>("GET", base + "/waitlist");
    const counts: Array<[string, number]> = [["wl-waiting", w.waiting], ["wl-offered", w.offers], ["wl-taken", w.claimed], ["wl-passed", w.passed]];
    for (const [id, n] of counts) byId(id).textContent = num(n);
    const head = w.entries.filter((e) => e.status === "waiting" || e.status === "offered").slice(0, HEAD);
    const body = byId<HTMLTableSectionElement>("wl-head");
    body.replaceChildren();
    for (const e of head) {
      const row = body.insertRow();
      const until = e.status === "offered" && e.offerDeadline ? "offered, until " + new Date(e.offerDeadline).toLocaleTimeString() : e.status;
      for (const text of [num(e.place), num(e.quantity), e.tier ?? "any", until, e.hasContact ? "yes" : "no"]) row.insertCell().textContent = text;
    }
    byId("wl-empty").hidden = head.length > 0;
    said("");
  }
  const refresh = byId<HTMLButtonElement>("wl-refresh");
  refresh.addEventListener("click", () => {
    refresh.disabled = true;
    load()
      .catch((e: Error) => said(e.message))
      .finally(() => (refresh.disabled = false));
  });
  setInterval(() => {
    if (!byId("dashboard").hidden) load().catch((e: Error) => said(e.message));
  }, REFRESH_EVERY_MS);
  return { load };
}
