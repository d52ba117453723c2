/** Latency summaries from an HDR histogram (microsecond resolution, reported in ms). */
import * as hdr from "hdr-histogram-js";

export interface LatencySummary {
  count: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  maxMs: number;
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordMs(histogram: hdr.Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function summarize(histogram: hdr.Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: histogram.totalCount,
    p50ms: ms(histogram.getValueAtPercentile(50)),
    p95ms: ms(histogram.getValueAtPercentile(95)),
    p99ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
  };
}

export function summarizeMs(values: number[]): LatencySummary {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return summarize(h);
}

/** Bun's fetch keeps at most BUN_CONFIG_MAX_HTTP_REQUESTS (256) requests in flight; races of 1,000 need more. */
export async function ensureFetchConcurrency(min: number): Promise<void> {
  if (Number(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? 256) >= min) return;
  const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(min) },
    stdio: ["inherit", "inherit", "inherit"],
  });
  // the child stops what it started (bench/lib/stack.ts); this process waits for it to finish
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  process.exit(await child.exited);
}
