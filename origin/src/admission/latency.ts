/**
 * Purchase latency shared by all origin instances: each instance buffers its samples and
 * pushes them to a capped Redis list per event. Two lists: the purchase database
 * transaction (the order insert under the unique index, timed around `insertOrder`), which
 * the scheduling leader reads to steer the adaptive rate, and the whole purchase request,
 * which the dashboard shows. One list push per event per flush, whatever the load.
 */
import type Redis from "ioredis";
import { eventKeys } from "../../../common/keys.ts";

/** which latency list: the database transaction (steering) or the whole purchase request */
export type LatencyList = "purchaseDbLatency" | "purchaseLatency";

/** samples kept per event: enough for several seconds at thousands of purchases per second */
const KEEP = 5000;

export class LatencyRecorder {
  private buffer = new Map<string, string[]>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly redis: Redis,
    flushEveryMs = 250,
    private readonly list: LatencyList = "purchaseDbLatency",
  ) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => {}), flushEveryMs);
      this.timer.unref?.();
    }
  }

  record(eventId: string, latencyMs: number, at: number): void {
    let samples = this.buffer.get(eventId);
    if (!samples) this.buffer.set(eventId, (samples = []));
    if (samples.length < KEEP) samples.push(`${Math.round(at)}:${latencyMs.toFixed(2)}`);
  }

  async flush(): Promise<void> {
    if (this.buffer.size === 0) return;
    const batch = this.buffer;
    this.buffer = new Map();
    const pipeline = this.redis.pipeline();
    for (const [eventId, samples] of batch) {
      const key = eventKeys(eventId)[this.list];
      pipeline.lpush(key, ...samples).ltrim(key, 0, KEEP - 1).pexpire(key, 3_600_000);
    }
    await pipeline.exec();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export interface LatencyWindow {
  p95Ms: number | null;
  samples: number;
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** p95 of the latency samples taken at or after `since` (ms); by default the database transaction's. */
export async function readLatencyWindow(redis: Redis, eventId: string, since: number, list: LatencyList = "purchaseDbLatency"): Promise<LatencyWindow> {
  const raw = await redis.lrange(eventKeys(eventId)[list], 0, KEEP - 1);
  const values: number[] = [];
  for (const entry of raw) {
    const colon = entry.indexOf(":");
    if (Number(entry.slice(0, colon)) >= since) values.push(Number(entry.slice(colon + 1)));
  }
  values.sort((a, b) => a - b);
  return { p95Ms: percentile(values, 0.95), samples: values.length };
}
