/**
 * The sale report as CSV, for a spreadsheet: one row per number of the JSON report, in long
 * form (`section,key,metric,value`), so every section fits one table and a reader can rebuild
 * the JSON's numbers from it. `key` is empty for the report's own numbers, the tenth (1..10)
 * for deciles, the sample's time (ISO 8601) for the timeline.
 */
import type { SaleReport } from "./service.ts";

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function reportCsv(r: SaleReport): string {
  const rows: unknown[][] = [["section", "key", "metric", "value"]];
  const put = (section: string, key: string, values: Record<string, unknown>) => {
    for (const [metric, value] of Object.entries(values)) rows.push([section, key, metric, value]);
  };
  put("report", "", { eventId: r.eventId, generatedAt: new Date(r.generatedAt).toISOString(), status: r.status });
  put("fans", "", r.fans);
  put("purchases", "", r.purchases);
  put("timeInLine", "", r.timeInLine);
  put("sale", "", { ...r.sale, from: r.sale.from === null ? null : new Date(r.sale.from).toISOString(), to: r.sale.to === null ? null : new Date(r.sale.to).toISOString() });
  for (const { decile, ...rest } of r.deciles) put("decile", String(decile), rest);
  for (const { t, ...rest } of r.timeline) put("timeline", new Date(t).toISOString(), rest);
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}
