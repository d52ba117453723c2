import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { Harness } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("purchase", { event: { perOrderLimit: 4, sections: [{ name: "A", rows: 5, seatsPerRow: 10, tier: "standard", priceCents: 5000 }] } });
});
afterAll(() => h.close());

async function holdOne(seatIds: string[]) {
  const [fan] = await h.sessions(1);
  const held = await h.hold(fan!.token, seatIds);
  expect(held.status).toBe(201);
  return { fan: fan!, holdId: held.body.holdId as string };
}

describe("purchase", () => {
  test("buys the held seats: order saved, seats sold, session revoked, order readable", async () => {
    const { fan, holdId } = await holdOne(["A-1-1", "A-1-2"]);
    const bought = await h.purchase(fan.token, holdId);
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ eventId: h.eventId, status: "paid", amountCents: 10000, currency: "EUR" });
    expect(bought.body.seats.map((s: { seatId: string }) => s.seatId)).toEqual(["A-1-1", "A-1-2"]);

    expect((await h.reservationsOf("A-1-1"))[0]?.orderId).toBe(bought.body.orderId);
    const statuses = await h.seatStatuses();
    expect([statuses["A-1-1"], statuses["A-1-2"]]).toEqual(["sold", "sold"]);
    expect(h.payments.ledger.get(bought.body.orderId)?.status).toBe("captured");

    // Buying ends the session...
    const after = await h.hold(fan.token, ["A-1-3"]);
    expect(after.status).toBe(403);
    expect(after.body.code).toBe("SESSION_INACTIVE");
    // ...but the buyer can still read the order; nobody else can.
    const read = await h.call("GET", `/api/orders/${bought.body.orderId}`, { token: fan.token });
    expect(read.status).toBe(200);
    const { releasedSeatIds, ...order } = bought.body;
    expect(releasedSeatIds).toEqual([]);
    expect(read.body).toEqual(order);
    const [stranger] = await h.sessions(1);
    expect((await h.call("GET", `/api/orders/${bought.body.orderId}`, { token: stranger!.token })).status).toBe(404);
  });

  test("a sold seat cannot be held again", async () => {
    const { fan, holdId } = await holdOne(["A-1-4"]);
    expect((await h.purchase(fan.token, holdId)).status).toBe(201);
    const [next] = await h.sessions(1);
    const again = await h.hold(next!.token, ["A-1-4"]);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("SEAT_SOLD");
  });

  test("100 concurrent full purchases of one seat: exactly one order", async () => {
    const fans = await h.sessions(100);
    const results = await Promise.all(
      fans.map(async (fan) => {
        const held = await h.hold(fan.token, ["A-2-1"]);
        if (held.status !== 201) return held.status;
        return (await h.purchase(fan.token, held.body.holdId)).status;
      }),
    );
    expect(results.filter((s) => s === 201)).toHaveLength(1);
    expect(results.filter((s) => s === 409)).toHaveLength(99);
    expect(await h.reservationsOf("A-2-1")).toHaveLength(1);
    expect((await h.seatStatuses())["A-2-1"]).toBe("sold");
  });

  test("100 concurrent purchases of one hold: one order, one charge kept", async () => {
    const { fan, holdId } = await holdOne(["A-2-2"]);
    h.payments.latencyMs = 50;
    try {
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => h.purchase(fan.token, holdId, `many-${i}`)));
      const won = replies.filter((r) => r.status === 201);
      expect(won).toHaveLength(1);
      for (const r of replies) if (r.status !== 201) expect(["PURCHASE_IN_PROGRESS", "HOLD_EXPIRED", "SESSION_INACTIVE"]).toContain(r.body.code);
      expect(await h.reservationsOf("A-2-2")).toHaveLength(1);
      expect(h.payments.captured().filter((c) => c.orderId === won[0]!.body.orderId)).toHaveLength(1);
    } finally {
      h.payments.latencyMs = 0;
    }
  });

  test("idempotency: a replay returns the first order; a concurrent duplicate gets 409", async () => {
    const { fan, holdId } = await holdOne(["A-3-1"]);
    h.payments.latencyMs = 200;
    let first, second;
    try {
      [first, second] = await Promise.all([h.purchase(fan.token, holdId, "pay-once"), Bun.sleep(20).then(() => h.purchase(fan.token, holdId, "pay-once"))]);
    } finally {
      h.payments.latencyMs = 0;
    }
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(second.body.code).toBe("PURCHASE_IN_PROGRESS");

    const replay = await h.purchase(fan.token, holdId, "pay-once");
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await h.ordersOfEvent()).filter((o) => o.sessionId === fan.sid)).toHaveLength(1);
    expect(h.payments.ledger.get(first.body.orderId)?.status).toBe("captured");

    const reused = await h.purchase(fan.token, "hold_someotherholdid000", "pay-once");
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  test("a purchase needs an Idempotency-Key", async () => {
    const { fan, holdId } = await holdOne(["A-3-2"]);
    const r = await h.call("POST", `/api/events/${h.eventId}/holds/${holdId}/purchase`, { token: fan.token });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("INVALID_REQUEST");
    expect(r.body.message).toContain("idempotency-key");
  });

  test("someone else's hold cannot be bought", async () => {
    const { holdId } = await holdOne(["A-3-3"]);
    const [thief] = await h.sessions(1);
    const r = await h.purchase(thief!.token, holdId);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("NOT_HOLD_OWNER");
    expect((await h.seatStatuses())["A-3-3"]).toBe("held");
  });

  test("a declined payment releases the hold at once", async () => {
    const { fan, holdId } = await holdOne(["A-4-1"]);
    h.payments.mode = "decline";
    let r;
    try {
      r = await h.purchase(fan.token, holdId);
    } finally {
      h.payments.mode = "approve";
    }
    expect(r.status).toBe(402);
    expect(r.body.code).toBe("PAYMENT_DECLINED");
    expect((await h.seatStatuses())["A-4-1"]).toBe("available");
    expect(await h.redis.exists(eventKeys(h.eventId).hold(holdId))).toBe(0);
    expect(await h.reservationsOf("A-4-1")).toHaveLength(0);
  });

  test("the payment method chosen at checkout decides a simulated charge, one purchase at a time", async () => {
    const declined = await holdOne(["A-4-2"]);
    const approved = await holdOne(["A-4-3"]);
    const pay = (fan: { token: string }, holdId: string, paymentMethod: string) =>
      h.call("POST", `/api/events/${h.eventId}/holds/${holdId}/purchase`, {
        token: fan.token,
        headers: { "idempotency-key": crypto.randomUUID() },
        body: { paymentMethod },
      });
    const [no, yes] = await Promise.all([pay(declined.fan, declined.holdId, "sim_decline"), pay(approved.fan, approved.holdId, "sim_approve")]);
    expect(no.status).toBe(402);
    expect(no.body.code).toBe("PAYMENT_DECLINED");
    expect(yes.status).toBe(201);
    const seats = await h.seatStatuses();
    expect(seats["A-4-2"]).toBe("available");
    expect(seats["A-4-3"]).toBe("sold");
    expect(await h.reservationsOf("A-4-2")).toHaveLength(0);
    expect(await h.reservationsOf("A-4-3")).toHaveLength(1);
  });

  test("a malformed payment method is refused and leaves the hold as it was", async () => {
    const { fan, holdId } = await holdOne(["A-4-4"]);
    for (const body of [{ paymentMethod: "" }, { paymentMethod: "<script>" }, { paymentMethod: 4242 }]) {
      const r = await h.call("POST", `/api/events/${h.eventId}/holds/${holdId}/purchase`, {
        token: fan.token,
        headers: { "idempotency-key": crypto.randomUUID() },
        body,
      });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("INVALID_REQUEST");
    }
    expect((await h.seatStatuses())["A-4-4"]).toBe("held");
    expect((await h.purchase(fan.token, holdId)).status).toBe(201);
  });

  test("a payment that times out is voided and the hold released", async () => {
    const timeouts = await Harness.create("paytimeout", { config: { paymentTimeoutMs: 150 } });
    try {
      const [fan] = await timeouts.sessions(1);
      const held = await timeouts.hold(fan!.token, ["A-1-1"]);
      timeouts.payments.mode = "timeout";
      const r = await timeouts.purchase(fan!.token, held.body.holdId);
      expect(r.status).toBe(504);
      expect(r.body.code).toBe("PAYMENT_TIMEOUT");
      expect(timeouts.payments.captured()).toHaveLength(0);
      expect((await timeouts.seatStatuses())["A-1-1"]).toBe("available");
      expect(await timeouts.reservationsOf("A-1-1")).toHaveLength(0);
    } finally {
      await timeouts.close();
    }
  });
});

describe("a purchase ends the turn: the session's other holds are released", () => {
  test("a fan holding two holds buys one: the other's seats are free for a rival at once, and the answer names them", async () => {
    const eventId = `${h.eventId}-two`;
    await h.createEvent({ id: eventId, holdSeconds: 300 });
    const [fan, rival] = await h.sessions(2, 600, eventId);
    const first = await h.hold(fan!.token, ["A-1-9"], eventId);
    const second = await h.hold(fan!.token, ["A-1-10"], eventId);
    expect([first.status, second.status]).toEqual([201, 201]);

    const bought = await h.purchase(fan!.token, first.body.holdId, "buy-two", eventId);
    expect(bought.status).toBe(201);
    expect(bought.body.releasedSeatIds).toEqual(["A-1-10"]);
    // before, the seat stayed held for the hold's 300 s and nobody could release it
    expect((await h.hold(rival!.token, ["A-1-10"], eventId)).status).toBe(201);
    expect(await h.redis.exists(eventKeys(eventId).hold(second.body.holdId))).toBe(0);
    expect(await h.redis.zcard(eventKeys(eventId).sessionSeats(fan!.sid))).toBe(0);
    // the session is over: the release route refuses it, as every fan route does
    expect(await h.release(fan!.token, second.body.holdId, eventId)).toMatchObject({ status: 403, body: { code: "SESSION_INACTIVE" } });
    // a replay of the purchase answers the same, list included
    expect(await h.purchase(fan!.token, first.body.holdId, "buy-two", eventId)).toMatchObject({ status: 201, body: bought.body });
  });

  test("100 fans each buy one hold while holding more in parallel tabs: once every answer is in, no seat is left held", async () => {
    const eventId = `${h.eventId}-race`;
    await h.createEvent({ id: eventId, holdSeconds: 300, perOrderLimit: 10, sections: [{ name: "A", rows: 50, seatsPerRow: 10, tier: "standard", priceCents: 5000 }] });
    const fans = await h.sessions(100, 600, eventId);
    const bought = new Set<string>();
    await Promise.all(
      fans.map(async (fan, i) => {
        const row = Math.floor(i / 2) + 1;
        const base = (i % 2) * 5;
        const first = await h.hold(fan.token, [`A-${row}-${base + 1}`], eventId);
        expect(first.status).toBe(201);
        // another tab holds the fan's other seats while the purchase runs
        const [purchase, ...others] = await Promise.all([
          h.purchase(fan.token, first.body.holdId, undefined, eventId),
          ...[2, 3, 4, 5].map((n) => h.hold(fan.token, [`A-${row}-${base + n}`], eventId)),
        ]);
        expect(purchase!.status).toBe(201);
        bought.add(`A-${row}-${base + 1}`);
        for (const other of others) expect([201, 403]).toContain(other.status);
      }),
    );
    const statuses = await h.seatStatuses(eventId);
    const held = Object.entries(statuses).filter(([, status]) => status === "held");
    expect(held).toEqual([]);
    expect(Object.entries(statuses).filter(([, status]) => status === "sold").map(([id]) => id).sort()).toEqual([...bought].sort());
  });

  test("a hold being bought in another tab is left to its own purchase", async () => {
    const eventId = `${h.eventId}-tabs`;
    await h.createEvent({ id: eventId, holdSeconds: 300 });
    const [fan] = await h.sessions(1, 600, eventId);
    const a = await h.hold(fan!.token, ["A-1-1"], eventId);
    const b = await h.hold(fan!.token, ["A-1-2"], eventId);
    const [one, two] = await Promise.all([h.purchase(fan!.token, a.body.holdId, undefined, eventId), h.purchase(fan!.token, b.body.holdId, undefined, eventId)]);
    // each purchase either sold its hold, or found the session ended by the other (403) and its seats released
    const statuses = await h.seatStatuses(eventId);
    for (const [reply, seat] of [[one!, "A-1-1"], [two!, "A-1-2"]] as const) {
      if (reply.status === 201) expect(statuses[seat]).toBe("sold");
      else {
        expect(reply.body.code).toBe("SESSION_INACTIVE");
        expect(statuses[seat]).toBe("available");
      }
    }
    expect([one!.status, two!.status]).toContain(201);
  });
});
