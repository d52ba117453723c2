/**
 * The status of every seat of an event, read from Redis (the sold set and every seat key)
 * and shared by all the requests that wait for it.
 *
 * A read costs Redis O(seats): a 100,000-seat map is an MGET that keeps Redis busy for
 * about 18 ms. If every fan's map refresh paid for its own read, a few hundred fans polling
 * would take all of Redis from the holds. So reads of one event are coalesced: while one is
 * running, the requests that arrive join ONE next read, started when the running one ends.
 * A request never takes a read that started before it arrived, so what it sees is as fresh
 * as if it had read alone (a hold, release or sale that finished before the request was sent
 * is in it). One process runs at most one read per event at a time, and starts reads of one
 * event at least `intervalMs` apart (SEAT_READ_INTERVAL_MS, 250 ms): under a crowd, a refresh
 * may wait up to that long, but Redis serves at most a few reads a second per process
 * however many fans poll. A lone request finds no recent read and is served at once.
 */
import type Redis from "ioredis";
import type { CatalogEvent } from "./catalog.ts";

export type SeatStatus = "available" | "held" | "sold";

/** One read: statuses in layout order (the catalog's `seats`). */
export interface SeatStates {
  states: SeatStatus[];
  counts: Record<SeatStatus, number>;
}

/** Keys per MGET, so one read does not hold Redis in a single long command. */
const MGET_CHUNK = 5_000;

export async function readSeatStates(redis: Redis, entry: CatalogEvent): Promise<SeatStates> {
  const pipeline = redis.pipeline().smembers(entry.keys.sold);
  for (let i = 0; i < entry.seatKeys.length; i += MGET_CHUNK) pipeline.mget(...entry.seatKeys.slice(i, i + MGET_CHUNK));
  const replies = (await pipeline.exec()) ?? [];
  for (const [error] of replies) if (error) throw error;
  const [sold, ...chunks] = replies.map(([, value]) => value) as [string[], ...Array<Array<string | null>>];
  const soldIds = new Set(sold);
  const counts = { available: 0, held: 0, sold: 0 };
  const states = new Array<SeatStatus>(entry.seats.length);
  for (let i = 0; i < entry.seats.length; i++) {
    const status: SeatStatus = soldIds.has(entry.seats[i]!.seatId) ? "sold" : chunks[Math.floor(i / MGET_CHUNK)]![i % MGET_CHUNK] ? "held" : "available";
    states[i] = status;
    counts[status] += 1;
  }
  return { states, counts };
}

interface EventReads {
  running: Promise<SeatStates> | null;
  /** the read that starts after `running` (and the interval), shared by everyone who arrived meanwhile */
  queued: Promise<SeatStates> | null;
  startedAt: number;
}

export class SeatStateReader {
  private readonly events = new Map<string, EventReads>();
  /** Redis reads started since this reader was made (the rest were shared). */
  reads = 0;

  /** `intervalMs`: least time between the starts of two reads of one event (timed on the monotonic clock) */
  constructor(
    private readonly redis: Redis,
    private readonly intervalMs: number,
  ) {}

  read(entry: CatalogEvent): Promise<SeatStates> {
    const id = entry.event.id;
    let slot = this.events.get(id);
    if (!slot) {
      slot = { running: null, queued: null, startedAt: Number.NEGATIVE_INFINITY };
      this.events.set(id, slot);
    }
    if (slot.queued) return slot.queued;
    const wait = slot.startedAt + this.intervalMs - performance.now();
    if (!slot.running && wait <= 0) return this.start(slot, entry);
    const reads = slot;
    const previous = reads.running ?? Promise.resolve();
    reads.queued = previous
      .then(
        () => {},
        () => {},
      )
      .then(() => Bun.sleep(Math.max(0, reads.startedAt + this.intervalMs - performance.now())))
      .then(() => {
        reads.queued = null;
        return this.start(reads, entry);
      });
    return reads.queued;
  }

  private start(slot: EventReads, entry: CatalogEvent): Promise<SeatStates> {
    this.reads += 1;
    slot.startedAt = performance.now();
    const running = readSeatStates(this.redis, entry).finally(() => {
      if (slot.running === running) slot.running = null;
    });
    slot.running = running;
    return running;
  }
}
