/**
 * Measures the database's sustainable purchase throughput: the real purchase inserts
 * (`insertOrder`: an order and its reservations in one transaction under the
 * UNIQUE(event, seat) index) against scratch events, at doubling concurrency, until
 * throughput stops growing or p95 latency passes a bound. The scratch events are deleted
 * afterwards. The caller stores the result (admission/capacity.ts, CapacityStore), which
 * is all the admission runtime reads: this load generator is no part of it.
 *
 * `bun run bench capacity` also measures the whole purchase path through an origin's HTTP
 * API (hold + purchase per fan) the same way, and stores the lower of the two: what
 * binds on that machine (`kind` says which, `compared` keeps the other).
 */
import { inArray, like } from "drizzle-orm";
import type { Database, Db } from "../../db/client.ts";
import { events, orders, reservations, seats } from "../../db/schema/index.ts";
import type { CapacityLevel, CapacityResult, StoppedBecause } from "../../admission/capacity.ts";
import { percentile } from "../../admission/latency.ts";
import { insertEvent } from "../admin/service.ts";
import { insertOrder } from "../orders/repository.ts";

export interface CapacityOptions {
  environment: string;
  levels?: number[];
  levelMs?: number;
  p95BoundMs?: number;
  /** a level must beat the best by this share to count as growth */
  minGrowth?: number;
  seatsPerOrder?: number;
  log?: (line: string) => void;
}

const SCRATCH_PREFIX = "cap-";
const SEATS_PER_SCRATCH_EVENT = 20_000;

/** Hands out unsold seats of scratch events, creating another scratch event when they run out. */
class ScratchSeats {
  readonly eventIds: string[] = [];
  private current: { eventId: string; next: number } | null = null;
  private creating: Promise<void> | null = null;

  constructor(private readonly db: Db) {}

  async take(count: number): Promise<{ eventId: string; seatIds: string[] }> {
    for (;;) {
      const c = this.current;
      if (c && c.next + count <= SEATS_PER_SCRATCH_EVENT) {
        const seatIds = Array.from({ length: count }, (_, i) => seatId(c.next + i));
        c.next += count;
        return { eventId: c.eventId, seatIds };
      }
      this.creating ??= this.create().finally(() => (this.creating = null));
      await this.creating;
    }
  }

  private async create(): Promise<void> {
    const eventId = `${SCRATCH_PREFIX}${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
    await insertEvent(
      this.db,
      {
        id: eventId,
        name: "capacity measurement",
        venue: "scratch",
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        status: "closed",
        perOrderLimit: 20,
        holdSeconds: 60,
        sections: [{ name: "S", rows: SEATS_PER_SCRATCH_EVENT / 200, seatsPerRow: 200, tier: "scratch", priceCents: 100 }],
      },
      new Date(),
    );
    this.eventIds.push(eventId);
    this.current = { eventId, next: 0 };
  }
}

const seatId = (i: number) => `S-${Math.floor(i / 200) + 1}-${(i % 200) + 1}`;

/** Deletes scratch events (and what was bought in them); all of them when no ids are given. */
export async function dropScratchEvents(db: Db, eventIds?: string[]): Promise<void> {
  const ids = eventIds ?? (await db.select({ id: events.id }).from(events).where(like(events.id, `${SCRATCH_PREFIX}%`))).map((r) => r.id);
  for (const id of ids) {
    await db.delete(reservations).where(inArray(reservations.eventId, [id]));
    await db.delete(orders).where(inArray(orders.eventId, [id]));
    await db.delete(seats).where(inArray(seats.eventId, [id]));
    await db.delete(events).where(inArray(events.id, [id]));
  }
}

async function runLevel(database: Database, scratch: ScratchSeats, concurrency: number, levelMs: number, seatsPerOrder: number): Promise<CapacityLevel> {
  await scratch.take(0); // make sure a scratch event exists before the clock starts
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + levelMs;
  const worker = async () => {
    while (performance.now() < until) {
      const { eventId, seatIds } = await scratch.take(seatsPerOrder);
      const id = `oc_${crypto.randomUUID().replace(/-/g, "")}`;
      const t0 = performance.now();
      const result = await insertOrder(database.pool, {
        id,
        eventId,
        sessionId: `cap-${id}`,
        customerId: `cap-${id}`,
        idempotencyKey: id,
        holdId: id,
        amountCents: 100 * seatIds.length,
        currency: "EUR",
        paymentId: id,
        createdAt: new Date(),
        seats: seatIds.map((s) => ({ seatId: s, priceCents: 100 })),
      });
      if (result.kind === "committed") latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return levelOf(concurrency, latencies, errors, (performance.now() - started) / 1000);
}

const round = (n: number) => Math.round(n * 100) / 100;

export interface ClimbOptions {
  p95BoundMs: number;
  /** a level must beat the best by this share to count as growth */
  minGrowth: number;
  log?: (line: string) => void;
}

/**
 * Runs the levels in order until throughput stops growing (two levels in a row without
 * `minGrowth` over the best) or a level's p95 passes the bound; the best level before that
 * is the sustainable one.
 */
export async function climbLevels(
  levels: number[],
  runLevel: (concurrency: number) => Promise<CapacityLevel>,
  options: ClimbOptions,
): Promise<{ measured: CapacityLevel[]; chosen: CapacityLevel; stoppedBecause: StoppedBecause }> {
  const measured: CapacityLevel[] = [];
  let best: CapacityLevel | null = null;
  let flat = 0;
  let stoppedBecause: StoppedBecause = "max-concurrency";
  for (const concurrency of levels) {
    const level = await runLevel(concurrency);
    measured.push(level);
    options.log?.(`concurrency ${concurrency}: ${level.tps} purchases/s, p50 ${level.p50Ms} ms, p95 ${level.p95Ms} ms, errors ${level.errors}`);
    if (level.p95Ms > options.p95BoundMs) {
      stoppedBecause = "latency";
      break;
    }
    if (!best || level.tps > best.tps * (1 + options.minGrowth)) {
      best = level;
      flat = 0;
    } else if (++flat >= 2) {
      stoppedBecause = "plateau";
      break;
    }
  }
  return { measured, chosen: best ?? measured[0]!, stoppedBecause };
}

/** Latencies (ms) of one level's successful purchases -> the level's row. */
export function levelOf(concurrency: number, latencies: number[], errors: number, elapsedSeconds: number): CapacityLevel {
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    purchases: latencies.length,
    tps: round(latencies.length / elapsedSeconds),
    p50Ms: round(percentile(latencies, 0.5) ?? 0),
    p95Ms: round(percentile(latencies, 0.95) ?? 0),
    errors,
  };
}

export async function measureCapacity(database: Database, options: CapacityOptions): Promise<CapacityResult> {
  const levels = options.levels ?? [1, 2, 4, 8, 16, 32, 64];
  const levelMs = options.levelMs ?? 3000;
  const bound = options.p95BoundMs ?? 100;
  const minGrowth = options.minGrowth ?? 0.05;
  const seatsPerOrder = options.seatsPerOrder ?? 1;
  const db = database.db;
  const scratch = new ScratchSeats(db);
  try {
    const { measured, chosen, stoppedBecause } = await climbLevels(levels, (c) => runLevel(database, scratch, c, levelMs, seatsPerOrder), { p95BoundMs: bound, minGrowth, log: options.log });
    return {
      environment: options.environment,
      kind: "database",
      tps: chosen.tps,
      concurrency: chosen.concurrency,
      p95Ms: chosen.p95Ms,
      levels: measured,
      measuredAt: new Date().toISOString(),
      method: `insertOrder (order + ${seatsPerOrder} reservation(s), one transaction, UNIQUE(event_id, seat_id)) on scratch events; concurrency ${levels.join(",")}; ${levelMs} ms per level; stop when growth < ${minGrowth * 100}% twice or p95 > ${bound} ms`,
      stoppedBecause,
    };
  } finally {
    await dropScratchEvents(db, scratch.eventIds);
  }
}

/** Of several measurements of one run, the one with the lowest throughput (it binds), with the others kept in `compared`. */
export function bindingCapacity(results: CapacityResult[]): CapacityResult {
  const sorted = [...results].sort((a, b) => a.tps - b.tps);
  const binding = sorted[0]!;
  const compared = sorted.slice(1).map(({ kind, tps, concurrency, p95Ms, measuredAt, method, stoppedBecause }) => ({ kind: kind ?? "database", tps, concurrency, p95Ms, measuredAt, method, stoppedBecause }));
  return compared.length ? { ...binding, compared } : binding;
}
