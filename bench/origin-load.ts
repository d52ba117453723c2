/**
 * A closed-loop load driver: `concurrency` workers repeat one operation and record each
 * latency in an HDR histogram. A Meter accumulates over several slices, so phases can be
 * interleaved (baseline, subject, baseline, ...) and share the machine's noise fairly.
 */
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

export class Meter {
  readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  ops = 0;
  errors = 0;
  seconds = 0;
  /** next operation index (unique across slices) */
  next = 0;

  constructor(
    readonly name: string,
    readonly concurrency: number,
  ) {}

  result(): LoadResult {
    const ms = (p: number) => Math.round(this.histogram.getValueAtPercentile(p)) / 1000;
    return {
      name: this.name,
      ops: this.ops,
      errors: this.errors,
      seconds: Math.round(this.seconds * 100) / 100,
      perSecond: Math.round((this.ops - this.errors) / this.seconds),
      p50ms: ms(50),
      p95ms: ms(95),
      p99ms: ms(99),
      concurrency: this.concurrency,
    };
  }

  print(): LoadResult {
    const r = this.result();
    console.log(
      `  ${r.name.padEnd(28)} ${String(r.perSecond).padStart(7)}/s  p50 ${r.p50ms.toFixed(2)} ms  p95 ${r.p95ms.toFixed(2)} ms  p99 ${r.p99ms.toFixed(2)} ms  (${r.ops} ops, ${r.errors} errors, c=${r.concurrency})`,
    );
    return r;
  }
}

/** Runs `op(i)` (resolves true on success) from the meter's workers for `seconds`, or until `maxOps` operations overall. */
export async function slice(meter: Meter, seconds: number, op: (i: number) => Promise<boolean>, maxOps = Number.POSITIVE_INFINITY): Promise<void> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let ran = 0;
  await Promise.all(
    Array.from({ length: meter.concurrency }, async () => {
      while (performance.now() < until && meter.next < maxOps) {
        const i = meter.next++;
        const t = performance.now();
        const ok = await op(i).catch(() => false);
        meter.histogram.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
        ran += 1;
        if (!ok) meter.errors += 1;
      }
    }),
  );
  if (ran > 0) {
    meter.ops += ran;
    meter.seconds += (performance.now() - started) / 1000;
  }
}

/** Untimed warm-up: JIT, connection pools, caches. */
export async function warm(concurrency: number, count: number, op: (i: number) => Promise<boolean>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await op(next++).catch(() => false);
  }));
}
