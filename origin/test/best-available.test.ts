/**
 * "Best available": a fan asks for how many seats (and which tier, or a price cap) and gets
 * the best free ones held at once, side by side in one row while any row has that many,
 * all or nothing, however many fans ask at the same moment.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { mintActiveSessions, signingKeyFromEnv } from "../../test/kit/dev-sessions.ts";
import { Harness, errorShape, type Reply } from "./support/harness.ts";

let h: Harness;
const PAIRS_EVENT = uniqueEventId("best-pairs");
const SPLIT_EVENT = uniqueEventId("best-split");
const TRIPLES_EVENT = uniqueEventId("best-triples");

beforeAll(async () => {
  h = await Harness.create("best", {
    event: {
      perOrderLimit: 8,
      holdSeconds: 120,
      sections: [
        { name: "F", rows: 3, seatsPerRow: 8, tier: "front", priceCents: 20000 },
        { name: "B", rows: 3, seatsPerRow: 8, tier: "back", priceCents: 5000 },
      ],
    },
  });
  await h.createEvent({ id: PAIRS_EVENT, perOrderLimit: 4, holdSeconds: 120, sections: [{ name: "P", rows: 50, seatsPerRow: 24, tier: "floor", priceCents: 9000 }, { name: "Q", rows: 2, seatsPerRow: 10, tier: "balcony", priceCents: 4000 }] });
  await h.createEvent({ id: SPLIT_EVENT, perOrderLimit: 8, holdSeconds: 120, sections: [{ name: "S", rows: 2, seatsPerRow: 6, tier: "standard", priceCents: 3000 }] });
  await h.createEvent({ id: TRIPLES_EVENT, perOrderLimit: 4, holdSeconds: 120, sections: [{ name: "T", rows: 10, seatsPerRow: 10, tier: "standard", priceCents: 3000 }] });
});
afterAll(() => h.close());

const best = (token: string, body: unknown, eventId = h.eventId): Promise<Reply> => h.call("POST", `/api/events/${eventId}/holds/best-available`, { token, body });

/** `S-2-5` -> { section: "S", row: 2, number: 5 } */
function place(seatId: string) {
  const [section, row, number] = seatId.split("-");
  return { section: section!, row: Number(row), number: Number(number) };
}

function sideBySide(seatIds: string[]): boolean {
  const seats = seatIds.map(place).sort((a, b) => a.number - b.number);
  return seats.every((s, i) => s.section === seats[0]!.section && s.row === seats[0]!.row && (i === 0 || s.number === seats[i - 1]!.number + 1));
}

describe("best available", () => {
  test("500 concurrent requests for 2 seats in one tier: 500 pairs side by side, no seat twice, front rows filled without gaps", async () => {
    const fans = await h.sessions(500, 600, PAIRS_EVENT);
    const replies = await Promise.all(fans.map((f) => best(f.token, { quantity: 2, tier: "floor" }, PAIRS_EVENT)));
    for (const r of replies) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const owner = new Map<string, string>();
    for (const r of replies) {
      expect(r.body.adjacent).toBe(true);
      expect(r.body.seatIds).toHaveLength(2);
      expect(sideBySide(r.body.seatIds)).toBe(true);
      for (const seat of r.body.seatIds as string[]) {
        expect(place(seat).section).toBe("P");
        expect(owner.has(seat)).toBe(false);
        owner.set(seat, r.body.holdId);
      }
    }
    // what Redis holds is what the answers said
    const keys = eventKeys(PAIRS_EVENT);
    const seats = [...owner.keys()];
    expect(await h.redis.mget(...seats.map((s) => keys.seat(s)))).toEqual(seats.map((s) => owner.get(s)!));
    // 1,000 seats fill the first 42 rows of 24: no row was left with a lone seat a pair could not use
    const rows = new Map<number, number>();
    for (const seat of seats) rows.set(place(seat).row, (rows.get(place(seat).row) ?? 0) + 1);
    expect(Math.max(...rows.keys())).toBe(42);
    for (let row = 1; row <= 41; row++) expect(rows.get(row)).toBe(24);
    const statuses = await h.seatStatuses(PAIRS_EVENT);
    expect(Object.entries(statuses).filter(([id, s]) => id.startsWith("Q-") && s !== "available")).toEqual([]);
  });

  test("the front row's centre is offered first, and a tier or price cap keeps to its seats", async () => {
    const [a, b, c] = await h.sessions(3);
    const first = await best(a!.token, { quantity: 2, tier: "front" });
    expect(first.status).toBe(201);
    // rows of 8: seats 4 and 5 are the centre; the group leaves 3 | 3, which pairs cannot fill, so 3-4 or 5-6 comes first (2 | 4 or 4 | 2)
    expect(first.body.seatIds.map(place).every((s: { row: number }) => s.row === 1)).toBe(true);
    expect([["F-1-3", "F-1-4"], ["F-1-5", "F-1-6"]]).toContainEqual(first.body.seatIds);
    const cheap = await best(b!.token, { quantity: 3, maxPriceCents: 6000 });
    expect(cheap.status).toBe(201);
    expect(cheap.body.seatIds.every((s: string) => s.startsWith("B-1-"))).toBe(true);
    expect(cheap.body.amountCents).toBe(15000);
    const none = await best(c!.token, { quantity: 2, maxPriceCents: 100 });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe("NO_SEATS_AVAILABLE");
  });

  test("with no two free seats side by side, the closest set is held, all or nothing", async () => {
    const [holder, fan, greedy] = await h.sessions(3, 600, SPLIT_EVENT);
    // every other seat taken: 1, 3, 5 of each row stay held
    expect((await h.hold(holder!.token, ["S-1-1", "S-1-3", "S-1-5"], SPLIT_EVENT)).status).toBe(201);
    expect((await h.hold(holder!.token, ["S-2-1", "S-2-3", "S-2-5"], SPLIT_EVENT)).status).toBe(201);
    const split = await best(fan!.token, { quantity: 2 }, SPLIT_EVENT);
    expect(split.status).toBe(201);
    expect(split.body.adjacent).toBe(false);
    // the closest pair: one row, two seats apart (never one seat from each row)
    const seats = split.body.seatIds.map(place);
    expect(seats[0].row).toBe(seats[1].row);
    expect(Math.abs(seats[0].number - seats[1].number)).toBe(2);
    // four seats are left free; asking for five holds none of them
    const tooMany = await best(greedy!.token, { quantity: 5 }, SPLIT_EVENT);
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.code).toBe("NO_SEATS_AVAILABLE");
    const statuses = await h.seatStatuses(SPLIT_EVENT);
    expect(Object.values(statuses).filter((s) => s === "available")).toHaveLength(4);
  });

  test("300 concurrent requests for 3 seats in a 100-seat hall: every hold has its 3 seats, failures hold nothing, and fewer than 3 seats stay free", async () => {
    const fans = await h.sessions(300, 600, TRIPLES_EVENT);
    const replies = await Promise.all(fans.map((f) => best(f.token, { quantity: 3 }, TRIPLES_EVENT)));
    const won = replies.filter((r) => r.status === 201);
    for (const r of replies) {
      if (r.status === 201) continue;
      expect(r.status).toBe(409);
      expect(["NO_SEATS_AVAILABLE", "SEATS_CONTENDED"]).toContain(r.body.code);
    }
    const owner = new Set<string>();
    for (const r of won) {
      expect(r.body.seatIds).toHaveLength(3);
      for (const seat of r.body.seatIds as string[]) {
        expect(owner.has(seat)).toBe(false);
        owner.add(seat);
      }
    }
    const statuses = await h.seatStatuses(TRIPLES_EVENT);
    const held = Object.entries(statuses).filter(([, s]) => s === "held").map(([id]) => id);
    expect(held.sort()).toEqual([...owner].sort());
    expect(100 - held.length).toBeLessThan(3);
    expect(won.length).toBeGreaterThanOrEqual(32);
  });

  test("100 concurrent best-available requests of one customer from 100 sessions hold at most the tickets per customer", async () => {
    const eventId = uniqueEventId("best-cust");
    await h.createEvent({ id: eventId, perOrderLimit: 4, holdSeconds: 120, customerLimit: 5, sections: [{ name: "C", rows: 20, seatsPerRow: 20, tier: "standard", priceCents: 1000 }] });
    const sessions = await mintActiveSessions(h.redis, { eventId, count: 100, ttlSeconds: 600, key: signingKeyFromEnv(process.env), customerId: "cust-best" });
    const replies = await Promise.all(sessions.map((f) => best(f.token, { quantity: 2 }, eventId)));
    const won = replies.filter((r) => r.status === 201);
    for (const r of replies) if (r.status !== 201) expect(r.body.code).toBe("CUSTOMER_LIMIT");
    // pairs: two holds of 2 fit in 5; a third would pass it
    expect(won).toHaveLength(2);
    const statuses = await h.seatStatuses(eventId);
    expect(Object.values(statuses).filter((s) => s === "held")).toHaveLength(4);
    // another customer is not held back by this one
    const [other] = await mintActiveSessions(h.redis, { eventId, count: 1, ttlSeconds: 600, key: signingKeyFromEnv(process.env), customerId: "cust-other" });
    expect((await best(other!.token, { quantity: 4 }, eventId)).status).toBe(201);
  });

  test("the per-order limit counts seats already held, and bad choices get 400 JSON", async () => {
    const [fan] = await h.sessions(1);
    expect((await best(fan!.token, { quantity: 6, tier: "back" })).status).toBe(201);
    const over = await best(fan!.token, { quantity: 3, tier: "back" });
    expect(over.status).toBe(409);
    expect(over.body.code).toBe("SEAT_LIMIT");
    const unknownTier = await best(fan!.token, { quantity: 1, tier: "vip" });
    expect(unknownTier.status).toBe(400);
    expect(unknownTier.body.code).toBe("UNKNOWN_TIER");
    for (const body of [{}, { quantity: 0 }, { quantity: 21 }, { quantity: 1.5 }, { quantity: "2" }, { quantity: 2, seats: ["F-1-1"] }, { quantity: 2, maxPriceCents: -1 }]) {
      const r = await best(fan!.token, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toEqual(errorShape);
    }
  });
});
