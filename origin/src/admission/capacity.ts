/**
 * Measures the database's sustainable purchase throughput: the real purchase inserts
 * (`insertOrder`: an order and its reservations in one transaction under the
 * UNIQUE(event, seat) index) against scratch events, at doubling concurrency, until
 * throughput stops growing or p95 latency passes a bound. The scratch events are deleted
 * afterwards. The result is stored per environment in Redis and in a file.
 *
 * `bun run bench capacity` also measures the whole purchase path through an origin's HTTP
 * API (hold + purchase per fan) the same way, and stores the lower of the two: what
 * binds on that machine (`kind` says which, `compared` keeps the other).
 */
import { dirname } from "node:path";
import { mkdir } from "node:fs/promises";
import { inArray, like } from "drizzle-orm";
import type Redis from "ioredis";
import { globalKeys } from "../../../common/keys.ts";
import type { Database, Db } from "../db/client.ts";
import { events, orders, reservations, seats } from "../db/schema/index.ts";
import { insertEvent } from "../modules/admin/service.ts";
import { insertOrder } from "../modules/orders/repository.ts";
import { percentile } from "./latency.ts";

export interface CapacityLevel {
  concurrency: number;
  purchases: number;
  tps: number;
  p50Ms: number;
  p95Ms: number;
  errors: number;
}

/**
 * What a measurement timed: the database's purchase transactions alone, or the whole
 * purchase path of a fan through the origin's HTTP API (hold + purchase).
 */
export type CapacityKind = "database" | "purchase-path";

export type StoppedBecause = "plateau" | "latency" | "max-concurrency";

/** Another measurement of the same run, kept for the record. */
export interface CapacitySummary {
  kind: CapacityKind;
  tps: number;
  concurrency: number;
  p95Ms: number;
  measuredAt: string;
  method: string;
  stoppedBecause: StoppedBecause;
}

export interface CapacityResult {
  environment: string;
  /** what was measured; results stored before this field existed are "database" */
  kind?: CapacityKind;
  /** sustainable purchases per second */
  tps: number;
  /** concurrency at which it was reached */
  concurrency: number;
  p95Ms: number;
  levels: CapacityLevel[];
  measuredAt: string;
  method: string;
  stoppedBecause: StoppedBecause;
  /** the other measurements of the same run (their tps is higher: this one binds) */
  compared?: CapacitySummary[];
}

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

/** Where the measured capacity of each environment is kept: Redis for the running origins, a file for the record. */
export class CapacityStore {
  private cached: { at: number; value: CapacityResult | null } | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly environment: string,
    private readonly file: string,
    private readonly cacheMs = 5000,
  ) {}

  async save(result: CapacityResult): Promise<void> {
    await this.redis.hset(globalKeys.capacity(this.environment), { tps: result.tps, measuredAt: result.measuredAt, json: JSON.stringify(result) });
    this.cached = { at: Date.now(), value: result };
    await mkdir(dirname(this.file), { recursive: true });
    await Bun.write(this.file, `${JSON.stringify(result, null, 2)}\n`);
  }

  /** The stored measurement (cached for a few seconds); loads the file into Redis when Redis has none. */
  async get(): Promise<CapacityResult | null> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.value;
    let value: CapacityResult | null = null;
    const json = await this.redis.hget(globalKeys.capacity(this.environment), "json");
    if (json) value = JSON.parse(json) as CapacityResult;
    else {
      const file = Bun.file(this.file);
      if (await file.exists()) {
        try {
          value = (await file.json()) as CapacityResult;
          if (value.environment === this.environment && value.tps > 0) {
            await this.redis.hset(globalKeys.capacity(this.environment), { tps: value.tps, measuredAt: value.measuredAt, json: JSON.stringify(value) });
          } else value = null;
        } catch {
          value = null;
        }
      }
    }
    this.cached = { at: Date.now(), value };
    return value;
  }
}
