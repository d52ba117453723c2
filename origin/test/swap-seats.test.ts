/**
 * Changing the seats of a hold without resetting its countdown (PUT
 * /api/events/:eventId/holds/:holdId/seats, swapSeats-6.lua): the new seats are held and
 * the old ones released in one step, all or nothing, the hold keeping its id and its
 * deadline. Raced by 300 fans swapping at once into a small pool of free seats and into each
 * other's seats: no seat is ever held by two holds, no failed swap loses or leaks a seat,
 * and every deadline stays what it was.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { Harness, errorShape } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("swap", {
    event: {
      perOrderLimit: 4,
      holdSeconds: 60,
      sections: [
        { name: "A", rows: 10, seatsPerRow: 30, tier: "standard", priceCents: 5000 },
        { name: "B", rows: 2, seatsPerRow: 20, tier: "front", priceCents: 9000 },
      ],
    },
  });
});
afterAll(() => h.close());

const swap = (token: string, holdId: string, seatIds: unknown) => h.call("PUT", `/api/events/${h.eventId}/holds/${holdId}/seats`, { token, body: { seatIds } });
const aSeat = (i: number) => `A-${Math.floor(i / 30) + 1}-${(i % 30) + 1}`;
const bSeat = (i: number) => `B-${Math.floor(i / 20) + 1}-${(i % 20) + 1}`;

describe("changing a hold's seats, keeping its deadline", () => {
  test("the new seats are held and the old ones freed, under the same hold id and deadline; seats named again stay held", async () => {
    const [fan] = await h.sessions(1);
    const held = await h.hold(fan!.token, ["B-2-1", "B-2-2"]);
    expect(held.status).toBe(201);
    await Bun.sleep(20);
    const moved = await swap(fan!.token, held.body.holdId, ["B-2-2", "B-2-3", "B-2-4"]);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ holdId: held.body.holdId, seatIds: ["B-2-2", "B-2-3", "B-2-4"], expiresAt: held.body.expiresAt, amountCents: 27000 });
    const statuses = await h.seatStatuses();
    expect([statuses["B-2-1"], statuses["B-2-2"], statuses["B-2-3"], statuses["B-2-4"]]).toEqual(["available", "held", "held", "held"]);
    const listed = (await h.call("GET", `/api/events/${h.eventId}/holds`, { token: fan!.token })).body.holds;
    expect(listed).toEqual([expect.objectContaining({ holdId: held.body.holdId, seatIds: ["B-2-2", "B-2-3", "B-2-4"], expiresAt: held.body.expiresAt })]);
    // the seat keys run out with the hold, not later
    const ttl = await h.redis.pttl(eventKeys(h.eventId).seat("B-2-4"));
    expect(ttl).toBeLessThanOrEqual(Date.parse(held.body.expiresAt) - Date.now() + 50);
    // the new set is bought as any hold is
    expect((await h.purchase(fan!.token, held.body.holdId)).status).toBe(201);
    expect((await h.reservationsOf("B-2-3")).length).toBe(1);
    expect((await h.reservationsOf("B-2-1")).length).toBe(0);
  });

  test("a swap that cannot hold every new seat changes nothing; limits and bad input are 4xx", async () => {
    const [fan, other] = await h.sessions(2);
    const mine = await h.hold(fan!.token, ["B-1-19"]);
    const theirs = await h.hold(other!.token, ["B-1-20"]);
    const refused = await swap(fan!.token, mine.body.holdId, ["B-1-18", "B-1-20"]);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("SEAT_HELD");
    const statuses = await h.seatStatuses();
    expect([statuses["B-1-18"], statuses["B-1-19"]]).toEqual(["available", "held"]);
    expect(await h.redis.get(eventKeys(h.eventId).seat("B-1-19"))).toBe(mine.body.holdId);
    expect((await swap(fan!.token, mine.body.holdId, ["B-1-14", "B-1-15", "B-1-16", "B-1-17", "B-1-18"])).body.code).toBe("SEAT_LIMIT");
    expect((await swap(other!.token, mine.body.holdId, ["B-1-18"])).status).toBe(403);
    for (const body of [[], "B-1-18", ["Z-9-9"], ["B-1-18", "B-1-18"]]) {
      const r = await swap(fan!.token, mine.body.holdId, body);
      expect(r.status).toBe(400);
      expect(r.body).toEqual(errorShape);
    }
    expect((await h.release(fan!.token, mine.body.holdId)).status).toBe(200);
    expect((await swap(fan!.token, mine.body.holdId, ["B-1-18"])).status).toBe(410);
    expect((await h.release(other!.token, theirs.body.holdId)).status).toBe(200);
  });

  test("300 fans swapping at once into a few free seats and into each other's seats: never a seat held twice, never a seat lost or leaked, every deadline kept", async () => {
    const fans = await h.sessions(300);
    const holds = await Promise.all(fans.map((f, i) => h.hold(f.token, [aSeat(i)])));
    for (const r of holds) expect(r.status).toBe(201);
    // each fan asks for one of 20 free front seats, or a neighbour's seat (held, unless the
    // neighbour's own swap freed it first), or both at once (all or nothing)
    const wanted = fans.map((_, i) => {
      const free = bSeat((i * 7) % 20);
      const neighbour = aSeat((i + 1) % 300);
      return i % 3 === 0 ? [free] : i % 3 === 1 ? [neighbour] : [free, neighbour];
    });
    const replies = await Promise.all(fans.map((f, i) => swap(f.token, holds[i]!.body.holdId, wanted[i])));
    for (const r of replies) expect([200, 409]).toContain(r.status);
    const won = replies.filter((r) => r.status === 200).length;
    expect(won).toBeGreaterThanOrEqual(20);

    const owner = new Map<string, string>();
    for (const [i, r] of replies.entries()) {
      const holdId = holds[i]!.body.holdId as string;
      const record = await h.redis.hmget(eventKeys(h.eventId).hold(holdId), "seats", "expiresAt");
      const seats = record[0]!.split(",");
      // a won swap holds exactly the new set, a lost one exactly the old seat
      expect(seats).toEqual(r.status === 200 ? wanted[i]! : [aSeat(i)]);
      // the deadline is the one the hold was given
      expect(new Date(Number(record[1])).toISOString()).toBe(holds[i]!.body.expiresAt);
      for (const seat of seats) {
        expect(owner.has(seat)).toBe(false);
        owner.set(seat, holdId);
        expect(await h.redis.get(eventKeys(h.eventId).seat(seat))).toBe(holdId);
      }
      const indexed = await h.redis.zrange(eventKeys(h.eventId).sessionSeats(fans[i]!.sid), 0, -1);
      expect(indexed.sort()).toEqual([...seats].sort());
    }
    // every seat held is held by a hold that names it: nothing released was left behind
    const statuses = await h.seatStatuses();
    const heldSeats = Object.entries(statuses).filter(([id, s]) => s === "held" && (id.startsWith("A-") || id.startsWith("B-1-"))).map(([id]) => id);
    expect(heldSeats.sort()).toEqual([...owner.keys()].filter((id) => id.startsWith("A-") || id.startsWith("B-1-")).sort());
  }, 60_000);
});
