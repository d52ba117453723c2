import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { Harness, errorShape } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("holds", { event: { perOrderLimit: 4, holdSeconds: 30, sections: [{ name: "A", rows: 4, seatsPerRow: 10, tier: "standard", priceCents: 5000 }] } });
});
afterAll(() => h.close());

describe("seat holds", () => {
  test("500 concurrent holds on one seat: exactly one succeeds, the rest get 409", async () => {
    const fans = await h.sessions(500);
    const replies = await Promise.all(fans.map((f) => h.hold(f.token, ["A-1-1"])));
    const won = replies.filter((r) => r.status === 201);
    const lost = replies.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(499);
    for (const r of lost) expect(r.body).toEqual({ code: "SEAT_HELD", message: expect.any(String) });
    expect((await h.seatStatuses())["A-1-1"]).toBe("held");
  });

  test("overlapping multi-seat holds never produce a partial hold", async () => {
    const pool = ["A-2-1", "A-2-2", "A-2-3", "A-2-4", "A-2-5", "A-2-6", "A-2-7", "A-2-8"];
    const fans = await h.sessions(300);
    // Every fan asks for 2-4 adjacent seats of the same small pool, all at once.
    const wanted = fans.map((_, i) => {
      const size = 2 + (i % 3);
      const start = (i * 5) % (pool.length - size + 1);
      return pool.slice(start, start + size);
    });
    const replies = await Promise.all(fans.map((f, i) => h.hold(f.token, wanted[i]!)));
    const successes = replies.filter((r) => r.status === 201);
    expect(successes.length).toBeGreaterThan(0);
    for (const r of replies) expect([201, 409]).toContain(r.status);

    // Each seat is held by at most one hold, every successful hold has all of its seats,
    // and no failed request left anything behind.
    const owner = new Map<string, string>();
    for (const r of successes) {
      for (const seat of r.body.seatIds as string[]) {
        expect(owner.has(seat)).toBe(false);
        owner.set(seat, r.body.holdId);
        expect(await h.redis.get(eventKeys(h.eventId).seat(seat))).toBe(r.body.holdId);
      }
    }
    const statuses = await h.seatStatuses();
    for (const seat of pool) expect(statuses[seat]).toBe(owner.has(seat) ? "held" : "available");
  });

  test("a session cannot hold more than the per-order limit", async () => {
    const [fan] = await h.sessions(1);
    expect((await h.hold(fan!.token, ["A-3-1", "A-3-2", "A-3-3"])).status).toBe(201);
    const over = await h.hold(fan!.token, ["A-3-4", "A-3-5"]);
    expect(over.status).toBe(409);
    expect(over.body.code).toBe("SEAT_LIMIT");
    expect((await h.seatStatuses())["A-3-4"]).toBe("available");
    expect((await h.hold(fan!.token, ["A-3-4"])).status).toBe(201);
  });

  test("bad seat requests get 400 JSON, never 500", async () => {
    const [fan] = await h.sessions(1);
    const unknown = await h.hold(fan!.token, ["Z-99-99"]);
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe("UNKNOWN_SEAT");
    const twice = await h.hold(fan!.token, ["A-4-1", "A-4-1"]);
    expect(twice.status).toBe(400);
    expect(twice.body).toEqual(errorShape);
    for (const body of [{}, { seatIds: [] }, { seatIds: "A-4-1" }, { seatIds: ["x;DROP TABLE"] }, { seatIds: Array(21).fill("A-4-2") }]) {
      const r = await h.call("POST", `/api/events/${h.eventId}/holds`, { token: fan!.token, body });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(errorShape);
    }
    const notJson = await h.app.handle(
      new Request(`http://origin.test/api/events/${h.eventId}/holds`, { method: "POST", headers: { ...h.edgeHeaders(), authorization: `Bearer ${fan!.token}`, "content-type": "application/json" }, body: "{nope" }),
    );
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual(errorShape);
    expect((await h.seatStatuses())["A-4-1"]).toBe("available");
  });

  test("objects whose keys shadow toString or valueOf get 400 JSON, not 500 (the validation message would stringify them)", async () => {
    const [fan] = await h.sessions(1);
    const bodies = ['{"seatIds":[{"toString":1}]}', '{"seatIds":[{"to\\u0053tring":[1]}]}', '{"seatIds":["A-4-1"],"x":{"valueOf":{}}}'];
    for (const body of bodies) {
      for (const contentType of ["application/json", "application/json; charset=latin1"]) {
        const r = await h.app.handle(
          new Request(`http://origin.test/api/events/${h.eventId}/holds`, { method: "POST", headers: { ...h.edgeHeaders(), authorization: `Bearer ${fan!.token}`, "content-type": contentType }, body }),
        );
        expect({ body, status: r.status }).toEqual({ body, status: 400 });
        expect(await r.json()).toEqual({ code: "INVALID_BODY", message: expect.stringContaining("toString or valueOf") });
      }
    }
    expect((await h.seatStatuses())["A-4-1"]).toBe("available");
    // a seat id that merely contains the words is still a seat id to check
    expect((await h.hold(fan!.token, ["toString-1-1"])).body.code).toBe("UNKNOWN_SEAT");
  });

  test("release is owner-only; the owner's release frees the seats at once", async () => {
    const [owner, other] = await h.sessions(2);
    const held = await h.hold(owner!.token, ["A-4-5", "A-4-6"]);
    expect(held.status).toBe(201);
    const stolen = await h.release(other!.token, held.body.holdId);
    expect(stolen.status).toBe(403);
    expect(stolen.body.code).toBe("NOT_HOLD_OWNER");
    expect((await h.seatStatuses())["A-4-5"]).toBe("held");

    const released = await h.release(owner!.token, held.body.holdId);
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ holdId: held.body.holdId, released: true });
    const statuses = await h.seatStatuses();
    expect([statuses["A-4-5"], statuses["A-4-6"]]).toEqual(["available", "available"]);
    expect((await h.release(owner!.token, held.body.holdId)).status).toBe(410);
    expect((await h.hold(other!.token, ["A-4-5"])).status).toBe(201);
  });

  test("a fan's current holds can be read back (a reloaded page finds them); nobody else sees them", async () => {
    const [fan, other] = await h.sessions(2);
    expect((await h.call("GET", `/api/events/${h.eventId}/holds`, { token: fan!.token })).body).toEqual({ holds: [] });
    const first = await h.hold(fan!.token, ["A-3-8"]);
    const second = await h.hold(fan!.token, ["A-3-9", "A-3-10"]);
    expect([first.status, second.status]).toEqual([201, 201]);

    const mine = await h.call("GET", `/api/events/${h.eventId}/holds`, { token: fan!.token });
    expect(mine.status).toBe(200);
    expect(mine.body.holds.map((x: { holdId: string }) => x.holdId).sort()).toEqual([first.body.holdId, second.body.holdId].sort());
    expect(mine.body.holds.find((x: { holdId: string }) => x.holdId === second.body.holdId)).toEqual(second.body);
    expect((await h.call("GET", `/api/events/${h.eventId}/holds`, { token: other!.token })).body).toEqual({ holds: [] });

    await h.release(fan!.token, first.body.holdId);
    const after = await h.call("GET", `/api/events/${h.eventId}/holds`, { token: fan!.token });
    expect(after.body.holds.map((x: { holdId: string }) => x.holdId)).toEqual([second.body.holdId]);
    expect((await h.call("GET", `/api/events/${h.eventId}/holds`)).status).toBe(401);
  });

  test("a hold keeps working after SCRIPT FLUSH (NOSCRIPT falls back to EVAL)", async () => {
    const [fan] = await h.sessions(1);
    expect((await h.hold(fan!.token, ["A-4-8"])).status).toBe(201);
    await h.redis.script("FLUSH");
    const again = await h.hold(fan!.token, ["A-4-9"]);
    expect(again.status).toBe(201);
    expect(again.body.seatIds).toEqual(["A-4-9"]);
  });

  test("event settings lost from Redis are restored from MySQL on the next hold", async () => {
    await h.redis.del(eventKeys(h.eventId).config);
    const [fan] = await h.sessions(1);
    expect((await h.hold(fan!.token, ["A-4-10"])).status).toBe(201);
    expect(await h.redis.hget(eventKeys(h.eventId).config, "perOrderLimit")).toBe("4");
  });
});

describe("hold expiry", () => {
  let short: Harness;
  beforeAll(async () => {
    short = await Harness.create("expiry", { event: { holdSeconds: 1 } });
  });
  afterAll(() => short.close());

  test("an expired hold frees the seat, and buying it afterwards fails cleanly", async () => {
    const [first, second] = await short.sessions(2);
    const held = await short.hold(first!.token, ["A-1-1"]);
    expect(held.status).toBe(201);
    expect((await short.hold(second!.token, ["A-1-1"])).status).toBe(409);

    await Bun.sleep(1300);
    expect((await short.seatStatuses())["A-1-1"]).toBe("available");
    const late = await short.purchase(first!.token, held.body.holdId);
    expect(late.status).toBe(410);
    expect(late.body.code).toBe("HOLD_EXPIRED");
    expect(short.payments.ledger.size).toBe(0);
    expect(await short.reservationsOf("A-1-1")).toHaveLength(0);

    expect((await short.hold(second!.token, ["A-1-1"])).status).toBe(201);
    expect((await short.call("GET", `/api/events/${short.eventId}/holds`, { token: first!.token })).body).toEqual({ holds: [] });
  });
});
