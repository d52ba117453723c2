/**
 * One sample per second of each sale, taken by the instance that schedules the event (the
 * scheduler reports every tick it leads; the sampler keeps one a second) and kept in a
 * capped Redis list, so the organiser dashboard shows the last minutes from whichever
 * instance answers and a freshly opened page has history at once.
 *
 * A sample carries the line's last restore (when Redis lost it and the leader rebuilt it
 * from MySQL) and the fans put back at their own numbers since, so the page can show it.
 *
 * A sample costs one pipeline: the queue-state hash, the sold set's size, the shared
 * purchase latency samples, and the seat keys (MGET in chunks) for the held-seat count.
 */
import type Redis from "ioredis";
import { eventKeys } from "../../../../common/keys.ts";
import type { Clock } from "../../lib/clock.ts";
import { percentile } from "../../admission/latency.ts";
import type { AdmitResult } from "../../../../lua/replies.ts";

export const SAMPLE_EVERY_MS = 1000;
/** ten minutes at one sample a second */
export const SAMPLES_KEPT = 600;
/** the list outlives its last sample by an hour, then Redis drops it */
const KEEP_AFTER_LAST_MS = 3_600_000;
const MGET_CHUNK = 1000;
/** an event without a layout (a waiting room with no event row) is looked up again after this */
const NO_LAYOUT_RETRY_MS = 30_000;

/** What Redis holds per sample (JSON, newest first). Rates are derived when read. */
export interface StoredSample {
  t: number;
  status: string;
  waiting: number;
  target: number;
  ceiling: number;
  active: number;
  unclaimed: number;
  maxActive: number;
  held: number | null;
  sold: number;
  admitted: number;
  /** purchase requests answered in the latency window */
  purchases: number;
  p95: number | null;
  /** length of the latency window (ms) */
  window: number;
  /** the line's last restore from MySQL (ms), its kind, and fans put back at their numbers since (absent in samples of older versions) */
  restoredAt?: number | null;
  restoreKind?: "full" | "partial" | null;
  replaced?: number;
  /** the ticket counter: numbers handed out so far (absent in samples of older versions) */
  lastNumber?: number;
}

export interface SamplerOptions {
  redis: Redis;
  clock: Clock;
  /** the seat keys of an event, or null when it has no layout (a waiting room without an event) */
  seatKeys: (eventId: string) => Promise<string[] | null>;
  /** purchase latency p95 and rate are taken over this window (the adaptive rate's) */
  latencyWindowMs: number;
  onError?: (eventId: string, error: unknown) => void;
  /** each sample once written (the honest line publishes its estimate from it) */
  onSample?: (eventId: string, sample: StoredSample) => Promise<void> | void;
}

export class DashboardSampler {
  private readonly last = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private readonly noLayout = new Map<string, number>();

  constructor(private readonly o: SamplerOptions) {}

  /** The scheduler's tick report (leader only): takes a sample once a second has passed since the last. */
  tick(eventId: string, result: AdmitResult, rate: number, ceiling: number): void {
    const now = this.o.clock.now();
    const last = this.last.get(eventId);
    if (last !== undefined && now - last < SAMPLE_EVERY_MS && now >= last) return;
    this.last.set(eventId, now);
    const p: Promise<void> = this.record(eventId, now, { waiting: result.waiting, active: result.active, unclaimed: result.unclaimed, target: rate, ceiling, lastNumber: result.seq })
      .then((sample) => this.o.onSample?.(eventId, sample))
      .then(
        () => undefined,
        (error: unknown) => this.o.onError?.(eventId, error),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves once every sample under way is written. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async layout(eventId: string, now: number): Promise<string[] | null> {
    const missingSince = this.noLayout.get(eventId);
    if (missingSince !== undefined && now - missingSince < NO_LAYOUT_RETRY_MS && now >= missingSince) return null;
    const keys = await this.o.seatKeys(eventId);
    if (keys) this.noLayout.delete(eventId);
    else this.noLayout.set(eventId, now);
    return keys;
  }

  async record(eventId: string, now: number, tick: Pick<StoredSample, "waiting" | "active" | "unclaimed" | "target" | "ceiling" | "lastNumber">): Promise<StoredSample> {
    const { redis, latencyWindowMs } = this.o;
    const k = eventKeys(eventId);
    const seatKeys = await this.layout(eventId, now);
    const pipeline = redis.pipeline().hmget(k.queueState, "status", "maxActive", "admittedTotal", "restoredAt", "restoreKind", "replacedTotal").scard(k.sold).lrange(k.purchaseLatency, 0, -1);
    if (seatKeys) for (let i = 0; i < seatKeys.length; i += MGET_CHUNK) pipeline.mget(...seatKeys.slice(i, i + MGET_CHUNK));
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const [state, sold, latency, ...chunks] = replies.map(([, v]) => v) as [Array<string | null>, number, string[], ...Array<Array<string | null>>];
    let held: number | null = null;
    if (seatKeys) {
      held = 0;
      for (const chunk of chunks) for (const v of chunk) if (v) held++;
    }
    const since = now - latencyWindowMs;
    const values: number[] = [];
    for (const entry of latency) {
      const colon = entry.indexOf(":");
      const at = Number(entry.slice(0, colon));
      if (at >= since && at <= now) values.push(Number(entry.slice(colon + 1)));
    }
    values.sort((a, b) => a - b);
    const p95 = percentile(values, 0.95);
    const sample: StoredSample = {
      t: now,
      status: state[0] ?? "unknown",
      waiting: tick.waiting,
      target: round(tick.target),
      ceiling: round(tick.ceiling),
      active: tick.active,
      unclaimed: tick.unclaimed,
      maxActive: Number(state[1] ?? 0) || 0,
      held,
      sold: Number(sold),
      admitted: Number(state[2] ?? 0) || 0,
      purchases: values.length,
      p95: p95 === null ? null : round(p95),
      window: latencyWindowMs,
      restoredAt: state[3] ? Number(state[3]) : null,
      restoreKind: state[4] === "full" || state[4] === "partial" ? state[4] : null,
      replaced: Number(state[5] ?? 0) || 0,
      ...(tick.lastNumber === undefined ? {} : { lastNumber: tick.lastNumber }),
    };
    await redis
      .multi()
      .lpush(k.dashboard, JSON.stringify(sample))
      .ltrim(k.dashboard, 0, SAMPLES_KEPT - 1)
      .pexpire(k.dashboard, KEEP_AFTER_LAST_MS)
      .exec();
    return sample;
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
