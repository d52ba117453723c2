/**
 * The honest line's publisher: once a second, on the instance that leads an event, it turns
 * the dashboard's sample of the sale (seats sold and held, fans admitted, active and still to
 * claim) and the orders so far (MySQL: how many, and how many seats each) into the estimate
 * of common/honest-line.ts and writes it into the queue-state hash as `honest`. Every edge
 * isolate reads it with the line's state on its next tick and tells each waiting fan their
 * chance. With the organiser's `minChance`, it also publishes `honestStop`: the first position
 * whose chance is below it, where the edge takes no new place. When every seat is sold the
 * sale moves to sold out by itself (as an organiser's close would), and every waiting fan's
 * stream is told on the isolate's next tick. With the organiser's closing time (`closesAt`),
 * a held seat that cannot come back before it counts as sold (held-past-closing.ts), and at
 * the closing time the sale closes.
 */
import { encodeEstimate, estimate, positionBelow, type SaleFacts } from "../../../../common/honest-line.ts";
import type { Deps } from "../../deps.ts";
import { seatsGoneForGood } from "./held-past-closing.ts";
import { moveQueue, soldOutWhenAllSold } from "./service.ts";

/** Orders are counted again at most this often per event. */
const ORDERS_EVERY_MS = 2000;

/** What the dashboard's sample of a sale says (modules/dashboard/sampler.ts). */
export interface SaleSample {
  status: string;
  /** seats held now; null when the event has no layout */
  held: number | null;
  sold: number;
  active: number;
  unclaimed: number;
  /** fans admitted so far */
  admitted: number;
}

interface OrderStats {
  orders: number;
  seats: number;
  squares: number;
}

export class HonestLine {
  private readonly orders = new Map<string, { at: number; stats: OrderStats }>();

  constructor(private readonly deps: Deps) {}

  /** A sample of the sale, taken by the leader: publish the estimate, or declare the sale sold out. */
  async observe(eventId: string, sample: SaleSample): Promise<void> {
    if (sample.status !== "open" && sample.status !== "paused") return;
    const entry = await this.deps.catalog.find(eventId);
    if (!entry || sample.held === null) return;
    const total = entry.seats.length;
    if (sample.sold >= total) {
      await soldOutWhenAllSold(this.deps, eventId, total);
      return;
    }
    const [minChanceRaw, closesAtRaw] = await this.deps.redis.hmget(entry.keys.queueState, "minChance", "closesAt");
    const closesAt = Number(closesAtRaw) || 0;
    if (closesAt > 0 && this.deps.clock.now() >= closesAt) {
      await moveQueue(this.deps, eventId, "closed");
      return;
    }
    // no seat is free: if none of the held ones can come back before the closing time, nothing is left to sell
    if (closesAt > 0 && sample.sold + sample.held >= total && (await seatsGoneForGood(this.deps.redis, entry, closesAt)) >= total) {
      await moveQueue(this.deps, eventId, "soldout");
      return;
    }
    const stats = await this.orderStats(eventId);
    const undecided = sample.active + sample.unclaimed;
    const facts: SaleFacts = {
      free: Math.max(0, total - sample.sold - sample.held),
      held: sample.held,
      undecided,
      decided: Math.max(0, sample.admitted - undecided),
      orders: stats.orders,
      orderSeats: stats.seats,
      orderSeatsSquared: stats.squares,
      perOrderLimit: entry.event.perOrderLimit,
    };
    const e = estimate(facts);
    // the organiser's threshold: the first position whose chance is below it takes no new place
    const minChance = Number(minChanceRaw) || 0;
    const stop = minChance > 0 ? positionBelow(e, minChance / 100) : null;
    const write = this.deps.redis.multi().hset(entry.keys.queueState, "honest", encodeEstimate(e));
    if (stop === null) write.hdel(entry.keys.queueState, "honestStop");
    else write.hset(entry.keys.queueState, "honestStop", stop);
    await write.exec();
  }

  private async orderStats(eventId: string): Promise<OrderStats> {
    const now = this.deps.clock.now();
    const cached = this.orders.get(eventId);
    if (cached && now - cached.at < ORDERS_EVERY_MS && now >= cached.at) return cached.stats;
    const [rows] = (await this.deps.database.pool.query(
      "SELECT COUNT(*) AS orders, COALESCE(SUM(n), 0) AS seats, COALESCE(SUM(n * n), 0) AS squares FROM (SELECT COUNT(*) AS n FROM reservations WHERE event_id = ? GROUP BY order_id) o",
      [eventId],
    )) as unknown as [Array<{ orders: number | string; seats: number | string; squares: number | string }>];
    const row = rows[0];
    const stats = { orders: Number(row?.orders ?? 0), seats: Number(row?.seats ?? 0), squares: Number(row?.squares ?? 0) };
    this.orders.set(eventId, { at: now, stats });
    return stats;
  }
}
