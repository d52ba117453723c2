/**
 * The per-customer ticket limit: one customer (every session whose token names the same
 * identity) never holds plus buys more than the event's limit, over all their orders and
 * sessions. Raced through the origin's real routes against real Redis and MySQL; what was
 * sold is read from MySQL at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";
import { Harness } from "./support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await Harness.create("cust-limit", { event: { perOrderLimit: 4, holdSeconds: 30, customerLimit: 4, sections: [{ name: "A", rows: 20, seatsPerRow: 20, tier: "standard", priceCents: 5000 }] } });
});
afterAll(() => h.close());

const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });
const seat = (i: number) => `A-${Math.floor(i / 20) + 1}-${(i % 20) + 1}`;

/** A fresh event of the harness's, 400 seats, with this per-customer limit. */
async function eventWithLimit(label: string, customerLimit: number | undefined, perOrderLimit = 4): Promise<string> {
  const id = uniqueEventId(label);
  await h.createEvent({ id, perOrderLimit, customerLimit, sections: [{ name: "A", rows: 20, seatsPerRow: 20, tier: "standard", priceCents: 5000 }] });
  return id;
}

async function ticketsInMysql(eventId: string, customerId: string): Promise<number> {
  const [rows] = (await h.database.pool.query(
    "SELECT COUNT(*) AS n FROM reservations r JOIN orders o ON o.id = r.order_id WHERE r.event_id = ? AND o.customer_id = ? AND o.status = 'paid'",
    [eventId, customerId],
  )) as unknown as [Array<{ n: number }>];
  return Number(rows[0]!.n);
}

const customer = () => `c_${crypto.randomUUID().replace(/-/g, "")}`;

describe("per-customer ticket limit", () => {
  test("300 concurrent holds by one customer from 300 sessions: exactly the limit is held and sold; another customer still gets the limit", async () => {
    const eventId = await eventWithLimit("race", 4);
    const [alice, bob] = [customer(), customer()];
    const aliceFans = await h.customerSessions(alice, 300, eventId);
    const bobFans = await h.customerSessions(bob, 50, eventId);
    // every session asks for a seat of its own, all at once; Bob's requests run among Alice's
    const replies = await Promise.all([
      ...aliceFans.map((f, i) => h.hold(f.token, [seat(i)], eventId).then((r) => ({ who: "alice", fan: f, r }))),
      ...bobFans.map((f, i) => h.hold(f.token, [seat(300 + i)], eventId).then((r) => ({ who: "bob", fan: f, r }))),
    ]);
    const held = (who: string) => replies.filter((x) => x.who === who && x.r.status === 201);
    expect(held("alice")).toHaveLength(4);
    expect(held("bob")).toHaveLength(4);
    for (const x of replies.filter((x) => x.r.status !== 201)) {
      expect(x.r.status).toBe(409);
      expect(x.r.body).toEqual({ code: "CUSTOMER_LIMIT", message: expect.any(String) });
    }
    const bought = await Promise.all([...held("alice"), ...held("bob")].map((x) => h.purchase(x.fan.token, x.r.body.holdId, undefined, eventId)));
    for (const r of bought) expect(r.status).toBe(201);
    expect(await ticketsInMysql(eventId, alice)).toBe(4);
    expect(await ticketsInMysql(eventId, bob)).toBe(4);

    // bought seats keep counting: a new session of Alice's gets nothing more
    const [later] = await h.customerSessions(alice, 1, eventId);
    const more = await h.hold(later!.token, [seat(399)], eventId);
    expect(more.status).toBe(409);
    expect(more.body.code).toBe("CUSTOMER_LIMIT");
  });

  test("past Redis, MySQL is the last line: 50 concurrent purchases of one customer whose count Redis lost sell exactly the limit, the rest are refunded and released", async () => {
    const eventId = await eventWithLimit("mysql-line", 3);
    const alice = customer();
    // Redis without the limit (as after losing it): every hold passes, only MySQL can refuse
    await h.redis.hdel(eventKeys(eventId).config, "customerLimit");
    const fans = await h.customerSessions(alice, 50, eventId);
    const capturedBefore = new Set(h.payments.captured().map((c) => c.orderId));
    const holds = await Promise.all(fans.map((f, i) => h.hold(f.token, [seat(i)], eventId)));
    for (const r of holds) expect(r.status).toBe(201);
    const bought = await Promise.all(fans.map((f, i) => h.purchase(f.token, holds[i]!.body.holdId, undefined, eventId)));
    const sold = bought.filter((r) => r.status === 201);
    const refused = bought.filter((r) => r.status !== 201);
    expect(sold).toHaveLength(3);
    for (const r of refused) expect(r.body.code).toBe("CUSTOMER_LIMIT");
    expect(await ticketsInMysql(eventId, alice)).toBe(3);
    // the refused purchases left nothing behind: seats free, money back
    const statuses = await h.seatStatuses(eventId);
    expect(Object.values(statuses).filter((s) => s === "sold")).toHaveLength(3);
    expect(Object.values(statuses).filter((s) => s === "held")).toHaveLength(0);
    await h.app.deps.retrier.drain(3000);
    const saved = new Set((await h.ordersOfEvent(eventId)).map((o) => o.id));
    expect(h.payments.captured().filter((c) => !capturedBefore.has(c.orderId) && !saved.has(c.orderId))).toHaveLength(0);
  });

  test("a release, a declined payment and a refund each give the seats back to the customer's count", async () => {
    const eventId = await eventWithLimit("give-back", 2);
    const alice = customer();
    const [one, two, three, four] = await h.customerSessions(alice, 4, eventId);
    const first = await h.hold(one!.token, [seat(0), seat(1)], eventId);
    expect(first.status).toBe(201);
    expect((await h.hold(two!.token, [seat(2)], eventId)).body).toMatchObject({ code: "CUSTOMER_LIMIT", message: expect.stringContaining("0 more") });

    // release
    expect((await h.release(one!.token, first.body.holdId, eventId)).status).toBe(200);
    const second = await h.hold(two!.token, [seat(2), seat(3)], eventId);
    expect(second.status).toBe(201);

    // declined payment
    h.payments.mode = "decline";
    try {
      expect((await h.purchase(two!.token, second.body.holdId, undefined, eventId)).status).toBe(402);
    } finally {
      h.payments.mode = "approve";
    }
    const third = await h.hold(three!.token, [seat(4), seat(5)], eventId);
    expect(third.status).toBe(201);
    const order = await h.purchase(three!.token, third.body.holdId, undefined, eventId);
    expect(order.status).toBe(201);
    expect((await h.hold(four!.token, [seat(6)], eventId)).body.code).toBe("CUSTOMER_LIMIT");

    // refund
    const cancelled = await h.call("POST", `/admin/orders/${order.body.orderId}/cancel`, { headers: admin() });
    expect(cancelled.status).toBe(200);
    await h.app.deps.retrier.drain(3000);
    expect(await ticketsInMysql(eventId, alice)).toBe(0);
    const fourth = await h.hold(four!.token, [seat(6), seat(7)], eventId);
    expect(fourth.status).toBe(201);
    expect((await h.purchase(four!.token, fourth.body.holdId, undefined, eventId)).status).toBe(201);
    expect(await ticketsInMysql(eventId, alice)).toBe(2);
  });

  test("a session that leaves, or buys one hold and so lets its other holds go, gives those seats back to the customer", async () => {
    const eventId = await eventWithLimit("session-end", 3);
    const alice = customer();
    const [one, two, three] = await h.customerSessions(alice, 3, eventId);
    expect((await h.hold(one!.token, [seat(0), seat(1), seat(2)], eventId)).status).toBe(201);
    expect((await h.hold(two!.token, [seat(3)], eventId)).body.code).toBe("CUSTOMER_LIMIT");
    expect((await h.call("DELETE", `/api/events/${eventId}/session`, { token: one!.token })).status).toBe(200);

    const kept = await h.hold(two!.token, [seat(3)], eventId);
    const dropped = await h.hold(two!.token, [seat(4), seat(5)], eventId);
    expect([kept.status, dropped.status]).toEqual([201, 201]);
    const bought = await h.purchase(two!.token, kept.body.holdId, undefined, eventId);
    expect(bought.status).toBe(201);
    expect(bought.body.releasedSeatIds).toEqual([seat(4), seat(5)]);
    await h.app.deps.retrier.drain(3000);
    // one bought, two free again: the customer's third session may hold two more, not three
    expect((await h.hold(three!.token, [seat(6), seat(7), seat(8)], eventId)).body.code).toBe("CUSTOMER_LIMIT");
    expect((await h.hold(three!.token, [seat(6), seat(7)], eventId)).status).toBe(201);
  });

  test("a fan without an identity is their own customer: each session gets the limit", async () => {
    const eventId = await eventWithLimit("anonymous", 2);
    const fans = await h.sessions(3, 600, eventId);
    const replies = await Promise.all(fans.map((f, i) => h.hold(f.token, [seat(2 * i), seat(2 * i + 1)], eventId)));
    for (const r of replies) expect(r.status).toBe(201);
  });

  test("Redis that lost an event's sold seats gets each customer's count back with them", async () => {
    const eventId = await eventWithLimit("rebuild", 2);
    const alice = customer();
    const [one, two] = await h.customerSessions(alice, 2, eventId);
    const held = await h.hold(one!.token, [seat(0), seat(1)], eventId);
    expect((await h.purchase(one!.token, held.body.holdId, undefined, eventId)).status).toBe(201);
    const k = eventKeys(eventId);
    await h.redis.del(k.config, k.sold, k.customerSeats(alice));
    // the next hold finds the settings gone and restores them, the sold seats and the count from MySQL
    const more = await h.hold(two!.token, [seat(2)], eventId);
    expect(more.status).toBe(409);
    expect(more.body.code).toBe("CUSTOMER_LIMIT");
  });

  test("the organiser sets, lowers and lifts the limit through the admin API; bad values get 400", async () => {
    const eventId = await eventWithLimit("admin", undefined);
    const set = (body: unknown, id = eventId) => h.call("PATCH", `/admin/events/${id}/limits`, { headers: admin(), body });
    const alice = customer();
    const fans = await h.customerSessions(alice, 3, eventId);
    expect((await h.hold(fans[0]!.token, [seat(0), seat(1), seat(2)], eventId)).status).toBe(201);

    const lowered = await set({ customerLimit: 3 });
    expect(lowered.status).toBe(200);
    expect(lowered.body.customerLimit).toBe(3);
    expect((await h.hold(fans[1]!.token, [seat(3)], eventId)).body.code).toBe("CUSTOMER_LIMIT");

    const lifted = await set({ customerLimit: null });
    expect(lifted.status).toBe(200);
    expect(lifted.body.customerLimit).toBeNull();
    expect((await h.hold(fans[1]!.token, [seat(3)], eventId)).status).toBe(201);

    for (const body of [{}, { customerLimit: 0 }, { customerLimit: 1.5 }, { customerLimit: "4" }, { customerLimit: 4, other: 1 }]) {
      const r = await set(body);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ code: expect.any(String), message: expect.any(String) });
    }
    expect((await set({ customerLimit: 2 }, uniqueEventId("nope"))).status).toBe(404);
    expect((await h.call("PATCH", `/admin/events/${eventId}/limits`, { body: { customerLimit: 2 } })).status).toBe(401);
  });
});
