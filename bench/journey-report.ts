/**
 * What `bun run bench journey` writes: bench/results/<name>.{json,md,svg} from one run's
 * result (ceilings, fans, per-step latency and statuses, invariants, seconds, settings).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Invariant } from "../test/kit/invariants.ts";
import type { LatencySummary } from "./lib/latency.ts";
import { settingsMarkdown, type EffectiveSettings } from "./lib/settings.ts";
import { plotSvg } from "./plot.ts";

const root = join(import.meta.dir, "..");
export const STEPS = ["join", "wait", "claim", "hold", "purchase", "journey"] as const;
export type Step = (typeof STEPS)[number];
export type StatusClass = "2xx" | "409" | "429" | "4xx" | "5xx" | "error";

export interface Ceiling {
  name: string;
  perSecond: number;
  p95ms: number;
}

export interface JourneyResult {
  command: string;
  startedAt: string;
  machine: { cpus: number; model?: string; memoryGiB: number; bun: string; loadavg: number[] };
  runtime: string;
  settings: Record<string, number>;
  effectiveSettings: EffectiveSettings;
  ceilings: Record<string, Ceiling>;
  fans: { arrived: number; bought: number; failed: number; maxOpenStreams: number; seconds: number; purchasesPerSecond: number };
  steps: Record<Step, { latency: LatencySummary; statuses: Record<StatusClass, number> | null }>;
  invariants: Invariant[];
  errorCodes: Record<string, number>;
  perSecond: Array<{ t: number; arrivals: number; purchases: number; failures: number; streams: number; purchaseP95ms: number | null }>;
}

export function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]! * 10) / 10;
}

export async function writeResults(result: JourneyResult, name: string) {
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  const c = Object.values(result.ceilings);
  const edgeCeiling = c[0]!.perSecond;
  const insertCeiling = c[3]!.perSecond;
  const joinsPerSecond = result.fans.arrived / result.settings.seconds!;
  const md = [
    "# Fan journey through the local edge",
    "",
    `\`${result.command}\` — ${result.startedAt}; ${result.machine.cpus} cores (${result.machine.model}), ${result.machine.memoryGiB} GiB, Bun ${result.machine.bun}; load average at the end ${result.machine.loadavg.map((l) => l.toFixed(1)).join(" ")}.`,
    `Edge: ${result.runtime}. The driver, the edge, the origin(s), Redis and MariaDB share the machine.`,
    "",
    "## Ceilings measured in the same run (closed loop, concurrency 32)",
    "",
    "| ceiling | ops/s | p95 ms |",
    "|---|---:|---:|",
    ...c.map((x) => `| ${x.name} | ${x.perSecond} | ${x.p95ms} |`),
    "",
    "## Fans",
    "",
    `${result.fans.arrived} fans arrived at ${result.settings.rate}/s (open model) for ${result.settings.seconds} s; ${result.fans.bought} bought a seat, ${result.fans.failed} did not; all done after ${result.fans.seconds} s; at most ${result.fans.maxOpenStreams} SSE streams open at once.`,
    "",
    `| what | rate | ratio to its ceiling |`,
    "|---|---:|---:|",
    `| joins (offered) | ${joinsPerSecond.toFixed(0)}/s | ${(joinsPerSecond / edgeCeiling).toFixed(3)} of the bare Worker route |`,
    `| purchases (sustained over the run) | ${result.fans.purchasesPerSecond}/s | ${(result.fans.purchasesPerSecond / insertCeiling).toFixed(3)} of the bare insert |`,
    "",
    "## Per step",
    "",
    "| step | count | p50 ms | p95 ms | p99 ms | max ms | 2xx | 409 | 429 | other 4xx | 5xx | network error / timeout |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...STEPS.map((s) => {
      const st = result.steps[s];
      const n = st.statuses;
      return `| ${s} | ${st.latency.count} | ${st.latency.p50ms} | ${st.latency.p95ms} | ${st.latency.p99ms} | ${st.latency.maxMs} | ${n ? [n["2xx"], n["409"], n["429"], n["4xx"], n["5xx"], n.error].join(" | ") : "- | - | - | - | - | -"} |`;
    }),
    "",
    `Answers other than 2xx, by step, status and error code: ${Object.entries(result.errorCodes).map(([k, v]) => `${k}: ${v}`).join("; ") || "none"}.`,
    "",
    "`wait` is the time on the SSE stream from opening it to the `admitted` event; `journey` is join to purchase for the fans who bought.",
    "",
    "## Invariants (read from MySQL and Redis after the run and after every hold expired)",
    "",
    ...result.invariants.map((i) => `- ${i.ok ? "ok" : "**FAILED**"}: ${i.name} — ${i.detail}`),
    "",
    ...settingsMarkdown(result.effectiveSettings),
    `![throughput and latency over time](${name}.svg)`,
    "",
  ];
  writeFileSync(join(dir, `${name}.md`), md.join("\n"));
  const t = result.perSecond.map((s) => s.t);
  writeFileSync(
    join(dir, `${name}.svg`),
    await plotSvg(`Fan journey through the edge: ${result.settings.rate} fans/s for ${result.settings.seconds} s`, t, [
      {
        title: "throughput",
        unit: "per second",
        series: [
          { label: "arrivals", color: "#888", values: result.perSecond.map((s) => s.arrivals), dashed: true },
          { label: "purchases", color: "#2a7", values: result.perSecond.map((s) => s.purchases) },
          { label: "failed journeys", color: "#d33", values: result.perSecond.map((s) => s.failures) },
        ],
      },
      { title: "open SSE streams", unit: "streams", series: [{ label: "waiting fans", color: "#36c", values: result.perSecond.map((s) => s.streams) }] },
      { title: "purchase latency", unit: "p95 ms", series: [{ label: "purchase p95", color: "#c60", values: result.perSecond.map((s) => s.purchaseP95ms ?? Number.NaN) }] },
    ]),
  );
  console.log(`results: bench/results/${name}.{md,json,svg}`);
}
