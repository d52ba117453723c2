/**
 * A load of concurrent buyers against one Harness, and the invariants checked afterwards
 * from MySQL and Redis.
 */
import { expect } from "bun:test";
import type { Harness } from "../../origin/test/support/harness.ts";
import { heldSeatKeys, readSale } from "../../test/kit/invariants.ts";

export interface LoadResult {
  requests: number;
  byStatus: Record<string, number>;
  /** order id -> seats, for every purchase answered 201 */
  sold: Map<string, string[]>;
  /** answers that were not JSON `{ code, message }` or were a bare 500 */
  malformed: Array<{ status: number; body: unknown }>;
}

export const newResult = (): LoadResult => ({ requests: 0, byStatus: {}, sold: new Map(), malformed: [] });

function record(result: LoadResult, status: number, body: unknown, label: string) {
  result.requests++;
  const key = `${label} ${status}${status >= 400 && body && typeof body === "object" && "code" in body ? ` ${(body as { code: string }).code}` : ""}`;
  result.byStatus[key] = (result.byStatus[key] ?? 0) + 1;
  const isError = status >= 400;
  const shaped = !!body && typeof body === "object" && typeof (body as { code?: unknown }).code === "string" && typeof (body as { message?: unknown }).message === "string";
  if (status === 500 || (isError && !shaped)) result.malformed.push({ status, body });
}

/**
 * `buyers` fans, each with a fresh session, try to hold `seatsEach` random seats of `seats`
 * and buy them, `rounds` times, until `stop()` says so. Sessions are minted on demand, so a
 * buyer whose session Redis lost gets a new one (as a fan re-admitted at the edge would).
 */
export async function buyers(h: Harness, opts: { buyers: number; seats: string[]; seatsEach?: number; until: () => boolean; result: LoadResult }) {
  const { result } = opts;
  const one = async () => {
    let session: { token: string } | undefined;
    while (!opts.until()) {
      try {
        session ??= (await h.sessions(1, 600))[0]!;
      } catch {
        await Bun.sleep(50); // Redis down: the fan cannot even be admitted
        continue;
      }
      const pick = [...opts.seats].sort(() => Math.random() - 0.5).slice(0, opts.seatsEach ?? 1);
      const token = session.token;
      const held = await h.hold(token, pick);
      record(result, held.status, held.body, "hold");
      if (held.status === 403) session = undefined;
      if (held.status !== 201) {
        await Bun.sleep(5);
        continue;
      }
      const bought = await h.purchase(token, held.body.holdId);
      record(result, bought.status, bought.body, "purchase");
      if (bought.status === 201) result.sold.set(bought.body.orderId, (bought.body.seats as Array<{ seatId: string }>).map((s) => s.seatId));
      // a completed purchase ends the session: the next try needs a new one
      session = undefined;
    }
  };
  await Promise.all(Array.from({ length: opts.buyers }, one));
}

/** No seat sold twice, no order without its seats, no charge without an order, no seat stuck held. */
export async function checkInvariants(h: Harness, result: LoadResult) {
  expect(result.malformed).toEqual([]);

  // every 201 the fans saw is in MySQL with exactly its seats, and no seat went to two buyers
  const seen = new Map<string, string>();
  for (const [orderId, seats] of result.sold) {
    for (const seat of seats) {
      expect({ seat, buyer: seen.get(seat) ?? orderId }).toEqual({ seat, buyer: orderId });
      seen.set(seat, orderId);
    }
  }
  const sale = await readSale(h.redis, h.database.pool, h.eventId);
  const reservations = sale.reservations;
  const bySeat = new Map(reservations.map((r) => [r.seatId, r.orderId]));
  expect(bySeat.size).toBe(reservations.length);
  for (const [seat, orderId] of seen) expect({ seat, orderId: bySeat.get(seat) }).toEqual({ seat, orderId });

  expect(sale.paidOrdersWithoutSeats).toEqual([]);

  await h.app.deps.retrier.drain(10_000);
  expect(await h.strayCharges()).toEqual([]);

  // Redis agrees with MySQL: sold set = reservations, and no seat is still held
  expect(sale.soldInRedis).toEqual([...bySeat.keys()].sort());
  return { soldSeats: bySeat.size, orders: new Set(bySeat.values()).size };
}

/** Waits until no seat key of the event is left (every hold expired or was released). */
export async function waitNoHeldSeats(h: Harness, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const held = await heldSeatKeys(h.redis, h.eventId);
    if (held.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`seats still held after ${timeoutMs} ms: ${held.join(", ")}`);
    await Bun.sleep(100);
  }
}
