/**
 * The whole sale in MySQL, for the report after it: the dashboard keeps one sample a second
 * for ten minutes in Redis; this keeps one every few seconds for the whole sale in
 * `sale_samples`, with the purchase transaction's latency (the database's, as the adaptive
 * rate sees it) over the time since the previous row. It is fed the dashboard's samples on
 * the leader (compose.ts), so it costs the sale one insert per event every few seconds and
 * nothing on the join path.
 *
 * Rows per event are bounded: past `maxRows` every other row is dropped and the spacing
 * doubles, so a sale of any length keeps an even picture of itself in at most that many rows.
 * A leader taking over mid-sale reads the spacing back from the rows already there.
 */
import type mysql from "mysql2/promise";
import type Redis from "ioredis";
import { readLatencyWindow } from "../../admission/latency.ts";

/** What the dashboard's sample of a sale says (modules/dashboard/sampler.ts), of what a row keeps. */
export interface SaleSampleInput {
  t: number;
  status: string;
  waiting: number;
  /** fans admitted so far */
  admitted: number;
  sold: number;
  target: number;
  /** the ticket counter (absent from samples of older versions) */
  lastNumber?: number;
}

export const SALE_SAMPLE_EVERY_MS = 5000;
export const SALE_SAMPLES_PER_EVENT = 2000;
/** a row counts the purchases of at most this long before it (after a gap in the leader's samples) */
const MAX_WINDOW_MS = 600_000;

interface Written {
  lastAt: number;
  everyMs: number;
  rows: number;
}

type Rows<T> = [T[], unknown];
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace("T", " ");

export interface SaleSampleOptions {
  pool: mysql.Pool;
  redis: Redis;
  everyMs?: number;
  maxRows?: number;
}

export class SaleSampleWriter {
  private readonly written = new Map<string, Written>();
  private readonly busy = new Set<string>();
  private readonly everyMs: number;
  private readonly maxRows: number;

  constructor(private readonly o: SaleSampleOptions) {
    this.everyMs = o.everyMs ?? SALE_SAMPLE_EVERY_MS;
    this.maxRows = o.maxRows ?? SALE_SAMPLES_PER_EVENT;
  }

  /** A dashboard sample of the leader: kept when the event's spacing has passed since the last row (one write at a time per event). */
  async observe(eventId: string, sample: SaleSampleInput): Promise<void> {
    if (this.busy.has(eventId)) return;
    this.busy.add(eventId);
    try {
      const w = this.written.get(eventId) ?? (await this.readBack(eventId));
      this.written.set(eventId, w);
      const since = sample.t - w.lastAt;
      if (since < w.everyMs && since >= 0) return;
      // the purchases since the previous row (the latency list keeps the last few thousand anyway)
      const windowMs = Number.isFinite(since) && since > 0 ? Math.min(since, MAX_WINDOW_MS) : w.everyMs;
      const db = await readLatencyWindow(this.o.redis, eventId, sample.t - windowMs);
      await this.o.pool.query(
        "INSERT IGNORE INTO sale_samples (event_id, at, status, waiting, last_number, admitted_total, sold, target_rate, db_purchases, db_window_ms, db_p95_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [eventId, utc(sample.t), sample.status.slice(0, 16), sample.waiting, sample.lastNumber ?? 0, sample.admitted, sample.sold, sample.target, db.samples, windowMs, db.p95Ms],
      );
      w.lastAt = sample.t;
      w.rows++;
      if (w.rows > this.maxRows) await this.thin(eventId, w);
    } finally {
      this.busy.delete(eventId);
    }
  }

  /** Drops every other row (the first kept) and doubles the spacing. */
  private async thin(eventId: string, w: Written): Promise<void> {
    const [result] = (await this.o.pool.query(
      "DELETE s FROM sale_samples s JOIN (SELECT at FROM (SELECT at, ROW_NUMBER() OVER (ORDER BY at) AS rn FROM sale_samples WHERE event_id = ?) r WHERE rn % 2 = 0) d ON s.at = d.at WHERE s.event_id = ?",
      [eventId, eventId],
    )) as unknown as [{ affectedRows: number }];
    w.rows -= result.affectedRows;
    w.everyMs *= 2;
  }

  /** What an earlier leader wrote: the last row's time, and the spacing its rows were thinned to. */
  private async readBack(eventId: string): Promise<Written> {
    const [[r]] = (await this.o.pool.query("SELECT COUNT(*) AS n, MIN(at) AS first, MAX(at) AS last FROM sale_samples WHERE event_id = ?", [eventId])) as Rows<{
      n: number | string;
      first: Date | null;
      last: Date | null;
    }>;
    const rows = Number(r?.n ?? 0);
    if (!r?.first || !r.last || rows === 0) return { lastAt: -Infinity, everyMs: this.everyMs, rows: 0 };
    const spacing = rows > 1 ? (r.last.getTime() - r.first.getTime()) / (rows - 1) : 0;
    let everyMs = this.everyMs;
    while (everyMs * 1.5 < spacing) everyMs *= 2;
    return { lastAt: r.last.getTime(), everyMs, rows };
  }
}
