/**
 * What `bun run bench overload` reports from its seconds: the summary while fans were
 * queued, the ratios to the capacity, the admission rate and the same-run baseline, and
 * bench/results/<name>.{json,svg,md} (with the run's settings).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CapacityResult } from "../origin/src/admission/capacity.ts";
import { settingsMarkdown, type EffectiveSettings } from "./lib/settings.ts";
import { plotSvg } from "./plot.ts";

const root = join(import.meta.dir, "..");

export interface Row {
  t: number;
  purchasesPerSecond: number;
  waiting: number;
  admittedPerSecond: number;
  activeSessions: number;
  p95Ms: number | null;
  /** the purchase request's p95 as the origin measured it (whole endpoint) */
  originP95Ms: number | null;
  /** the purchase database transaction's p95 (what adaptive mode steers by) */
  dbP95Ms: number | null;
  targetRate: number;
  measuredRate: number;
  inFlight: number;
}

export interface Baseline {
  fans: number;
  seconds: number;
  purchasesPerSecond: number;
  p95Ms: number;
  failed: number;
}

/** The capacity the run admits from, and how the report names it. */
export interface CapacityUsed {
  capacity: CapacityResult;
  kind: string;
  /** the database alone, when the path binds and the database was measured too */
  dbCapacity: number | null;
  text: string;
  /** admission rate, fans/s */
  rate: number;
  share: number;
  latencyBoundMs: number;
}

export interface Run {
  capacity: CapacityUsed;
  crowd: number;
  arrivalSeconds: number;
  maxActive: number;
  stall: { ms: number; at: number };
  rows: Row[];
  purchased: number;
  failed: number;
  baseline: Baseline;
  out: string;
  effective: EffectiveSettings;
}

export const round = (n: number) => Math.round(n * 100) / 100;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const median = (xs: number[]) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** The seconds fans were queued, summed up, and the ratios the report states. */
export function summarize(r: Run) {
  const { capacity: c, rows, arrivalSeconds } = r;
  const { capacity, rate } = c;
  const busy = rows.filter((row) => row.t > arrivalSeconds && row.waiting > 0);
  const tpsBusy = busy.map((row) => row.purchasesPerSecond);
  const p95s = busy.map((row) => row.p95Ms).filter((v): v is number => v !== null);
  const dbP95s = busy.map((row) => row.dbP95Ms).filter((v): v is number => v !== null);
  const summary = {
    capacityKind: c.kind,
    capacityTps: capacity.tps,
    databaseCapacityTps: c.dbCapacity,
    capacityMeasuredAt: capacity.measuredAt,
    share: c.share,
    admissionRate: round(rate),
    latencyBoundMs: c.latencyBoundMs,
    crowd: r.crowd,
    arrivalSeconds,
    maxActive: r.maxActive,
    seconds: rows.length,
    purchased: r.purchased,
    failed: r.failed,
    whileQueued: {
      seconds: busy.length,
      meanPurchasesPerSecond: round(mean(tpsBusy)),
      medianPurchasesPerSecond: round(median(tpsBusy)),
      maxPurchasesPerSecond: Math.max(0, ...tpsBusy),
      secondsAboveAdmissionRate: tpsBusy.filter((v) => v > rate).length,
      secondsAboveCapacity: tpsBusy.filter((v) => v > capacity.tps).length,
      meanAdmittedPerSecond: round(mean(busy.map((row) => row.admittedPerSecond))),
      minTargetRate: round(Math.min(...busy.map((row) => row.targetRate))),
      medianPurchaseP95Ms: round(median(p95s)),
      maxPurchaseP95Ms: round(Math.max(0, ...p95s)),
      medianDbP95Ms: round(median(dbP95s)),
      maxDbP95Ms: round(Math.max(0, ...dbP95s)),
    },
    baseline: r.baseline,
  };
  const w = summary.whileQueued;
  const ratios = {
    meanTpsOverCapacity: round(w.meanPurchasesPerSecond / capacity.tps),
    maxTpsOverCapacity: round(w.maxPurchasesPerSecond / capacity.tps),
    meanTpsOverAdmissionRate: round(w.meanPurchasesPerSecond / rate),
    maxTpsOverDatabaseCapacity: c.dbCapacity ? round(w.maxPurchasesPerSecond / c.dbCapacity) : null,
    meanTpsOverBaselineTps: round(w.meanPurchasesPerSecond / Math.max(1, r.baseline.purchasesPerSecond)),
    p95OverBaselineP95: round(w.medianPurchaseP95Ms / Math.max(1, r.baseline.p95Ms)),
  };
  return { summary, ratios };
}

export async function writeReport(r: Run, machine: { cpus: number; bun: string; platform: string }): Promise<void> {
  const { summary, ratios } = summarize(r);
  const { capacity: c, rows, out, crowd, arrivalSeconds, maxActive, baseline, failed } = r;
  const { capacity, kind, dbCapacity, rate } = c;
  const { ms: stallMs, at: stallAt } = r.stall;
  const w = summary.whileQueued;
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${out}.json`), `${JSON.stringify({ machine, summary, ratios, stall: stallMs > 0 ? { atSecond: stallAt, ms: stallMs } : null, rows, effectiveSettings: r.effective }, null, 2)}\n`);
  const seconds = rows.map((row) => row.t);
  writeFileSync(
    join(dir, `${out}.svg`),
    await plotSvg(`Overload: ${crowd} fans in ${arrivalSeconds}s${stallMs > 0 ? `, DB stalled ${stallMs} ms at ${stallAt}s` : ""}; ${kind} capacity ${capacity.tps}/s, admission rate ${rate.toFixed(0)}/s`, seconds, [
      {
        title: `Purchases and admissions (${kind} capacity ${capacity.tps}/s${kind === "database" || dbCapacity === null ? "" : `; database alone ${dbCapacity}/s, off the scale`})`,
        unit: "per second",
        series: [
          { label: "DB purchases/s", color: "#d62728", values: rows.map((row) => row.purchasesPerSecond) },
          { label: "admitted/s", color: "#1f77b4", values: rows.map((row) => row.admittedPerSecond) },
          { label: `${c.share} x capacity`, color: "#bcbd22", values: rows.map(() => rate), dashed: true },
          { label: "capacity", color: "#7f7f7f", values: rows.map(() => capacity.tps), dashed: true },
          // last, so it is drawn over the share line it equals while adaptive mode is not backing off
          { label: "target rate", color: "#2ca02c", values: rows.map((row) => row.targetRate), dashed: true },
        ],
      },
      { title: "Queue", unit: "fans", series: [{ label: "waiting", color: "#9467bd", values: rows.map((row) => row.waiting) }, { label: "active sessions", color: "#ff7f0e", values: rows.map((row) => row.activeSessions) }] },
      {
        title: "Purchase latency p95",
        unit: "ms",
        series: [
          { label: "at the fan", color: "#d62728", values: rows.map((row) => row.p95Ms ?? Number.NaN) },
          { label: "request (origin)", color: "#1f77b4", values: rows.map((row) => row.originP95Ms ?? Number.NaN) },
          { label: "DB transaction", color: "#2ca02c", values: rows.map((row) => row.dbP95Ms ?? Number.NaN) },
          { label: "adaptive bound", color: "#7f7f7f", values: rows.map(() => c.latencyBoundMs), dashed: true },
        ],
      },
    ]),
  );
  const table = [
    "| t (s) | DB purchases/s | waiting | admitted/s | active sessions | purchase p95 ms (fan) | purchase request p95 ms (origin) | DB transaction p95 ms (steers) | target rate/s | measured rate/s |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((row) => `| ${row.t} | ${row.purchasesPerSecond} | ${row.waiting} | ${row.admittedPerSecond} | ${row.activeSessions} | ${row.p95Ms ?? "-"} | ${row.originP95Ms ?? "-"} | ${row.dbP95Ms ?? "-"} | ${row.targetRate} | ${row.measuredRate} |`),
  ].join("\n");
  const hovered = stallMs === 0 && w.meanPurchasesPerSecond >= 0.9 * rate && w.secondsAboveCapacity === 0;
  const md = [
    `# bench overload (${new Date().toISOString()})`,
    "",
    `${machine.cpus} cores, Bun ${machine.bun}, ${machine.platform}; the fan simulator, the origin, Redis and MariaDB share the machine.`,
    "",
    `Capacity: ${c.text}, measured ${capacity.measuredAt} by \`bun run bench capacity\`. Admission rate ${c.share} x capacity = **${rate.toFixed(1)} fans/s** (adaptive on, bound ${c.latencyBoundMs} ms on the purchase's database transaction p95); maxActive ${maxActive}. A crowd of **${crowd}** fans (10 x capacity) joined within ${arrivalSeconds} s; each admitted fan claims, holds one seat and buys it through the origin's HTTP API. DB purchases/s are orders committed per second, counted in MySQL.`,
    "",
    ...(stallMs > 0
      ? [
          `**Slow database on purpose:** at t = ${stallAt} s another transaction locks the event's seat rows for ${stallMs} ms (the orders' inserts wait for it), to show adaptive mode backing off on the database's latency and creeping back.`,
          "",
        ]
      : []),
    `![overload](${out}.svg)`,
    "",
    table,
    "",
    "## Summary",
    "",
    `- while fans were queued (${w.seconds} s): DB purchases/s mean **${w.meanPurchasesPerSecond}** (median ${w.medianPurchasesPerSecond}), max **${w.maxPurchasesPerSecond}**; admission rate ${rate.toFixed(1)}, capacity ${capacity.tps}${dbCapacity !== null && kind !== "database" ? `, database alone ${dbCapacity}` : ""}; seconds above the admission rate: ${w.secondsAboveAdmissionRate}, above the capacity: ${w.secondsAboveCapacity}`,
    `- admitted/s mean ${w.meanAdmittedPerSecond}; lowest target rate ${w.minTargetRate}/s; purchase p95 at the fan median ${w.medianPurchaseP95Ms} ms (max ${w.maxPurchaseP95Ms} ms); DB transaction p95 median ${w.medianDbP95Ms} ms (max ${w.maxDbP95Ms} ms)`,
    `- ${summary.purchased} purchases committed of ${crowd} fans, ${failed} fans failed`,
    `- baseline in the same run, no waiting room: ${baseline.fans} fans at once: ${baseline.purchasesPerSecond} purchases/s, purchase p95 **${baseline.p95Ms} ms**, ${baseline.failed} failed`,
    "",
    "| ratio | value |",
    "|---|---:|",
    `| mean DB purchases/s / capacity | ${ratios.meanTpsOverCapacity} |`,
    `| max DB purchases/s / capacity | ${ratios.maxTpsOverCapacity} |`,
    `| mean DB purchases/s / admission rate | ${ratios.meanTpsOverAdmissionRate} |`,
    ...(ratios.maxTpsOverDatabaseCapacity !== null && kind !== "database" ? [`| max DB purchases/s / database capacity alone | ${ratios.maxTpsOverDatabaseCapacity} |`] : []),
    `| mean DB purchases/s / baseline purchases/s | ${ratios.meanTpsOverBaselineTps} |`,
    `| purchase p95 (median) / baseline p95 | ${ratios.p95OverBaselineP95} |`,
    "",
    stallMs > 0
      ? `Adaptive mode: lowest target rate ${w.minTargetRate}/s against the ceiling ${rate.toFixed(1)}/s; DB transaction p95 max ${w.maxDbP95Ms} ms against the ${c.latencyBoundMs} ms bound; seconds above the capacity: ${w.secondsAboveCapacity}.`
      : hovered
        ? `DB purchases hovered at the admission rate (${ratios.meanTpsOverCapacity} of the capacity on average against the configured ${c.share}) and never passed the capacity while the crowd waited.`
        : `DB purchases did not hover at the admission rate: mean ${ratios.meanTpsOverAdmissionRate} of it${w.secondsAboveCapacity > 0 ? `, and ${w.secondsAboveCapacity} s above the capacity` : ""}; see bench/README.md for why.`,
    "",
    ...settingsMarkdown(r.effective),
    `Run: \`bun run bench capacity && ${stallMs > 0 ? `BENCH_DB_STALL_MS=${stallMs} BENCH_DB_STALL_AT=${stallAt} BENCH_OUT=${out} ` : ""}bun run bench overload\``,
    "",
  ].join("\n");
  writeFileSync(join(dir, `${out}.md`), md);
  console.log(`\n${md}`);
}
