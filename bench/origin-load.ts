/** A closed-loop load driver: `concurrency` workers repeat one operation and record latency. */
import * as hdr from "hdr-histogram-js";

export interface LoadResult {
  name: string;
  ops: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  concurrency: number;
}

/**
 * Runs `op` from `concurrency` workers until `seconds` pass or `maxOps` operations have
 * started. `op(i)` gets a unique index and resolves true on success.
 */
export async function drive(
  name: string,
  { concurrency, seconds, maxOps = Number.POSITIVE_INFINITY, warmupOps = 0 }: { concurrency: number; seconds: number; maxOps?: number; warmupOps?: number },
  op: (i: number) => Promise<boolean>,
): Promise<LoadResult> {
  let next = 0;
  // Warm up (JIT, connection pools, token cache) outside the measurement.
  await Promise.all(Array.from({ length: Math.min(concurrency, warmupOps) }, async () => {
    while (next < warmupOps) await op(next++).catch(() => false);
  }));

  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let ops = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const limit = next + maxOps;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until && next < limit) {
        const i = next++;
        const t = performance.now();
        const ok = await op(i).catch(() => false);
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
        ops += 1;
        if (!ok) errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const ms = (p: number) => Math.round(histogram.getValueAtPercentile(p)) / 1000;
  const result: LoadResult = {
    name,
    ops,
    errors,
    seconds: Math.round(elapsed * 100) / 100,
    perSecond: Math.round((ops - errors) / elapsed),
    p50ms: ms(50),
    p95ms: ms(95),
    p99ms: ms(99),
    concurrency,
  };
  histogram.destroy();
  console.log(
    `  ${name.padEnd(28)} ${String(result.perSecond).padStart(7)}/s  p50 ${result.p50ms.toFixed(2)} ms  p95 ${result.p95ms.toFixed(2)} ms  p99 ${result.p99ms.toFixed(2)} ms  (${ops} ops, ${errors} errors, c=${concurrency})`,
  );
  return result;
}
