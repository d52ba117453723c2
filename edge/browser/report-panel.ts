/**
 * The dashboard's sale report panel: what became of the fans who took a place (joined,
 * admitted, left in line, never claimed, claimed without buying, bought), time in line, and
 * each tenth of the line's share admitted and bought, from GET /admin/events/:e/report (read
 * when asked, not polled: it counts every admission). The report downloads as JSON, CSV, or
 * signed by the edge (report.jws), the form to share as evidence of a fair sale. The
 * dashboard (./dashboard.ts) hands it its authorised `call` and `fetchFile`.
 */
import type { Call } from "./access-panel.ts";
import { byId } from "./dom.ts";

interface Report {
  fans: Record<string, number>;
  purchases: { orders: number; refunded: number; tickets: number };
  timeInLine: { measured: number; p50Ms: number | null; p90Ms: number | null; p99Ms: number | null };
  deciles: Array<{ decile: number; fromNumber: number; toNumber: number; fans: number; admittedShare: number; boughtShare: number }>;
  sale: { samples: number; admittedPerSecMean: number | null; admittedPerSecPeak: number | null; dbP95MsPeak: number | null };
}

export type FetchFile = (path: string) => Promise<Blob>;

const FANS: Array<[string, string]> = [
  ["joined", "Joined the line"],
  ["admitted", "Admitted"],
  ["stillWaiting", "Still in line"],
  ["abandonedInLine", "Left the line before their turn"],
  ["neverClaimed", "Admitted, never claimed"],
  ["claimedNotBought", "Claimed, did not buy"],
  ["stillShopping", "Still shopping"],
  ["bought", "Bought"],
];

const num = (n: number | null, digits = 0) => (n === null ? "-" : n.toLocaleString(undefined, { maximumFractionDigits: digits }));
const seconds = (ms: number | null) => (ms === null ? "-" : num(ms / 1000, 1) + " s");
const pct = (share: number) => num(share * 100, 1) + "%";

function term(list: HTMLElement, label: string, value: string): void {
  const div = document.createElement("div");
  const dt = document.createElement("dt");
  const dd = document.createElement("dd");
  dt.textContent = label;
  dd.textContent = value;
  div.append(dt, dd);
  list.append(div);
}

export function reportPanel(call: Call, fetchFile: FetchFile, base: string, eventId: string, said: (message: string) => void) {
  async function load(): Promise<void> {
    const r = await call<Report>("GET", base + "/report");
    const list = byId("report-summary");
    list.replaceChildren();
    for (const [key, label] of FANS) term(list, label, num(r.fans[key] ?? 0));
    term(list, "Orders / tickets", num(r.purchases.orders) + " / " + num(r.purchases.tickets));
    term(list, "Time in line p50 / p90 / p99", seconds(r.timeInLine.p50Ms) + " / " + seconds(r.timeInLine.p90Ms) + " / " + seconds(r.timeInLine.p99Ms));
    term(list, "Admitted/s, mean / peak", num(r.sale.admittedPerSecMean, 2) + " / " + num(r.sale.admittedPerSecPeak, 2));
    term(list, "Purchase DB p95, worst sample", r.sale.dbP95MsPeak === null ? "-" : num(r.sale.dbP95MsPeak, 1) + " ms");
    const body = byId<HTMLTableSectionElement>("deciles-body");
    body.replaceChildren();
    for (const d of r.deciles) {
      const row = body.insertRow();
      for (const text of [String(d.decile), num(d.fromNumber) + "-" + num(d.toNumber), pct(d.admittedShare), pct(d.boughtShare)]) row.insertCell().textContent = text;
    }
    byId("report-body").hidden = false;
    said(`Report read from ${num(r.sale.samples)} ${r.sale.samples === 1 ? "sample" : "samples"} of the sale.`);
  }

  async function download(button: HTMLButtonElement, suffix: string, name: string): Promise<void> {
    button.disabled = true;
    try {
      const url = URL.createObjectURL(await fetchFile(base + suffix));
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } finally {
      button.disabled = false;
    }
  }

  const files: Array<[string, string, string]> = [
    ["report-json", "/report", `sale-report-${eventId}.json`],
    ["report-csv", "/report.csv", `sale-report-${eventId}.csv`],
    ["report-signed", "/report.jws", `sale-report-${eventId}.jws.json`],
  ];
  for (const [id, suffix, name] of files) {
    const button = byId<HTMLButtonElement>(id);
    button.addEventListener("click", () => download(button, suffix, name).catch((e: Error) => said(e.message)));
  }
  const loadButton = byId<HTMLButtonElement>("report-load");
  loadButton.addEventListener("click", () => {
    loadButton.disabled = true;
    load()
      .catch((e: Error) => said(e.message))
      .finally(() => (loadButton.disabled = false));
  });
  return { load };
}
