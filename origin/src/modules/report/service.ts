/**
 * The sale report: what became of every fan who took a place, read from what the line keeps
 * durably in MySQL (admissions with their claims, ended sessions, orders, the leader's
 * checkpoint) and the whole-sale samples (samples.ts). Only the line's current length comes
 * from Redis (MySQL's last sample when Redis does not answer).
 */
import type { Static } from "elysia";
import { eventKeys } from "../../../../common/keys.ts";
import { percentile } from "../../admission/latency.ts";
import type { Deps } from "../../deps.ts";
import { EventNotFoundError } from "../../errors.ts";
import type { reportDecile, reportSample, saleReport } from "./model.ts";

export type SaleReport = Static<typeof saleReport>;
type Decile = Static<typeof reportDecile>;
type Sample = Static<typeof reportSample>;
type Rows<T> = [T[], unknown];

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace("T", " ");
const n = (v: unknown) => Number(v ?? 0) || 0;
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);
const perSec = (d: number, dtMs: number) => (dtMs > 0 && d >= 0 ? Math.round((d * 1_000_000) / dtMs) / 1000 : null);

interface SampleRow {
  at: Date;
  status: string;
  waiting: number;
  lastNumber: number | string;
  admitted: number | string;
  sold: number;
  targetRate: number;
  dbPurchases: number;
  dbWindowMs: number;
  dbP95: number | null;
}

export async function readReport(deps: Deps, eventId: string): Promise<SaleReport> {
  const pool = deps.database.pool;
  const now = deps.clock.now();
  const at = utc(now);
  const [[known]] = (await pool.query(
    "SELECT (SELECT COUNT(*) FROM events WHERE id = ?) AS events, (SELECT status FROM waiting_rooms WHERE event_id = ?) AS status, (SELECT last_number FROM queue_checkpoints WHERE event_id = ?) AS lastNumber",
    [eventId, eventId, eventId],
  )) as Rows<{ events: number; status: string | null; lastNumber: number | string | null }>;
  if (!known || (n(known.events) === 0 && known.status === null)) throw new EventNotFoundError(eventId);

  const paid = "SELECT DISTINCT session_id AS sid FROM orders WHERE event_id = ? AND status = 'paid'";
  const [[[fans]], [[orders]], [samples], [waits], live] = await Promise.all([
    pool.query(
      "SELECT COUNT(*) AS admitted, " +
        "SUM(a.claimed_at IS NULL AND b.sid IS NULL AND a.claim_deadline <= ?) AS neverClaimed, " +
        "SUM(a.claimed_at IS NULL AND b.sid IS NULL AND a.claim_deadline > ?) AS stillToClaim, " +
        "SUM(a.claimed_at IS NOT NULL AND b.sid IS NULL AND (e.session_id IS NOT NULL OR a.session_expires_at <= ?)) AS claimedNotBought, " +
        "SUM(a.claimed_at IS NOT NULL AND b.sid IS NULL AND e.session_id IS NULL AND a.session_expires_at > ?) AS stillShopping, " +
        "SUM(b.sid IS NOT NULL) AS bought " +
        `FROM admissions a LEFT JOIN (${paid}) b ON b.sid = a.session_id ` +
        "LEFT JOIN ended_sessions e ON e.event_id = a.event_id AND e.session_id = a.session_id WHERE a.event_id = ?",
      [at, at, at, at, eventId, eventId],
    ) as Promise<Rows<Record<string, number | string | null>>>,
    pool.query(
      "SELECT SUM(status = 'paid') AS paid, SUM(status = 'refunded') AS refunded, (SELECT COUNT(*) FROM reservations WHERE event_id = ?) AS tickets FROM orders WHERE event_id = ?",
      [eventId, eventId],
    ) as Promise<Rows<Record<string, number | string | null>>>,
    pool.query(
      "SELECT at, status, waiting, last_number AS lastNumber, admitted_total AS admitted, sold, target_rate AS targetRate, db_purchases AS dbPurchases, db_window_ms AS dbWindowMs, db_p95_ms AS dbP95 FROM sale_samples WHERE event_id = ? ORDER BY at",
      [eventId],
    ) as Promise<Rows<SampleRow>>,
    pool.query({
      sql: "SELECT number, TIMESTAMPDIFF(MICROSECOND, joined_at, admitted_at) DIV 1000 AS waitMs, admitted_at AS admittedAt FROM admissions WHERE event_id = ? AND admitted_at IS NOT NULL AND number > 0",
      values: [eventId],
      rowsAsArray: true,
    }) as unknown as Promise<Rows<[number | string, number | string | null, Date]>>,
    liveLine(deps, eventId),
  ]);

  const timeline = toTimeline(samples);
  const lastSample = samples.at(-1);
  const joined = Math.max(n(known.lastNumber), n(lastSample?.lastNumber), live?.seq ?? 0);
  const admitted = n(fans?.admitted);
  const stillWaiting = live?.waiting ?? lastSample?.waiting ?? 0;
  const deciles = await readDeciles(deps, eventId, joined);

  return {
    eventId,
    generatedAt: now,
    status: known.status,
    fans: {
      joined,
      admitted,
      stillWaiting,
      abandonedInLine: Math.max(0, joined - admitted - stillWaiting),
      neverClaimed: n(fans?.neverClaimed),
      stillToClaim: n(fans?.stillToClaim),
      claimedNotBought: n(fans?.claimedNotBought),
      stillShopping: n(fans?.stillShopping),
      bought: n(fans?.bought),
    },
    purchases: { orders: n(orders?.paid), refunded: n(orders?.refunded), tickets: n(orders?.tickets) },
    timeInLine: timeInLine(waits, samples),
    deciles,
    sale: saleSummary(samples, timeline),
    timeline,
  };
}

/** The line's length and counter now, from Redis; null when Redis does not answer. */
async function liveLine(deps: Deps, eventId: string): Promise<{ waiting: number; seq: number } | null> {
  const k = eventKeys(eventId);
  try {
    const replies = await deps.redis.pipeline().zcard(k.queue).get(k.seq).exec();
    if (!replies || replies.some(([error]) => error)) return null;
    return { waiting: n(replies[0]![1]), seq: n(replies[1]![1]) };
  } catch {
    return null;
  }
}

/** Tenths of the line by queue number: of the numbers in each, the share admitted and the share that bought. */
async function readDeciles(deps: Deps, eventId: string, joined: number): Promise<Decile[]> {
  if (joined <= 0) return [];
  const [rows] = (await deps.database.pool.query(
    "SELECT LEAST(10, FLOOR((a.number - 1) * 10 / ?) + 1) AS decile, COUNT(*) AS admitted, SUM(b.sid IS NOT NULL) AS bought " +
      "FROM admissions a LEFT JOIN (SELECT DISTINCT session_id AS sid FROM orders WHERE event_id = ? AND status = 'paid') b ON b.sid = a.session_id " +
      "WHERE a.event_id = ? AND a.number BETWEEN 1 AND ? GROUP BY decile",
    [joined, eventId, eventId, joined],
  )) as Rows<{ decile: number | string; admitted: number | string; bought: number | string | null }>;
  const byDecile = new Map(rows.map((r) => [n(r.decile), r]));
  const out: Decile[] = [];
  for (let d = 1; d <= 10; d++) {
    // number k is in tenth floor((k - 1) * 10 / joined) + 1, as in the query
    const fromNumber = Math.ceil(((d - 1) * joined) / 10) + 1;
    const toNumber = Math.ceil((d * joined) / 10);
    const fans = Math.max(0, toNumber - fromNumber + 1);
    const r = byDecile.get(d);
    const a = n(r?.admitted);
    const b = n(r?.bought);
    out.push({ decile: d, fromNumber, toNumber, fans, admitted: a, bought: b, admittedShare: share(a, fans), boughtShare: share(b, fans) });
  }
  return out;
}

/**
 * Percentiles of admission minus join time. An admission without a join time (its number
 * was handed out before the admitting leader watched the counter) is estimated from the
 * samples: the first sample whose counter had reached the number, when an earlier one had
 * not (otherwise the join time is unknown and the admission is left out).
 */
function timeInLine(waits: Array<[number | string, number | string | null, Date]>, samples: SampleRow[]): SaleReport["timeInLine"] {
  const values: number[] = [];
  let estimated = 0;
  for (const [number, waitMs, admittedAt] of waits) {
    if (waitMs !== null) {
      values.push(Math.max(0, n(waitMs)));
      continue;
    }
    const joinedAt = sampleReaching(samples, n(number));
    if (joinedAt === null) continue;
    values.push(Math.max(0, admittedAt.getTime() - joinedAt));
    estimated++;
  }
  values.sort((a, b) => a - b);
  return { measured: values.length, estimated, p50Ms: percentile(values, 0.5), p90Ms: percentile(values, 0.9), p99Ms: percentile(values, 0.99) };
}

function sampleReaching(samples: SampleRow[], number: number): number | null {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (n(samples[mid]!.lastNumber) >= number) hi = mid;
    else lo = mid + 1;
  }
  return lo > 0 && lo < samples.length ? samples[lo]!.at.getTime() : null;
}

function toTimeline(rows: SampleRow[]): Sample[] {
  return rows.map((r, i) => {
    const prev = i > 0 ? rows[i - 1]! : null;
    const dt = prev ? r.at.getTime() - prev.at.getTime() : 0;
    return {
      t: r.at.getTime(),
      status: r.status,
      waiting: r.waiting,
      joined: n(r.lastNumber),
      admitted: n(r.admitted),
      sold: r.sold,
      targetRate: r.targetRate,
      joinsPerSec: prev ? perSec(n(r.lastNumber) - n(prev.lastNumber), dt) : null,
      admittedPerSec: prev ? perSec(n(r.admitted) - n(prev.admitted), dt) : null,
      soldPerSec: prev ? perSec(r.sold - prev.sold, dt) : null,
      dbPurchasesPerSec: perSec(r.dbPurchases, r.dbWindowMs) ?? 0,
      dbP95Ms: r.dbP95,
    };
  });
}

function saleSummary(rows: SampleRow[], timeline: Sample[]): SaleReport["sale"] {
  const first = timeline[0];
  const last = timeline.at(-1);
  const rates = timeline.map((s) => s.admittedPerSec).filter((v): v is number => v !== null);
  const p95s = timeline.map((s) => s.dbP95Ms).filter((v): v is number => v !== null);
  return {
    from: first?.t ?? null,
    to: last?.t ?? null,
    samples: timeline.length,
    admittedPerSecMean: first && last && last.t > first.t ? perSec(last.admitted - first.admitted, last.t - first.t) : null,
    admittedPerSecPeak: rates.length > 0 ? Math.max(...rates) : null,
    dbPurchases: rows.reduce((sum, r) => sum + r.dbPurchases, 0),
    dbP95MsPeak: p95s.length > 0 ? Math.max(...p95s) : null,
  };
}
