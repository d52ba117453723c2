import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Harness, errorShape } from "./support/harness.ts";
import { uniqueEventId } from "../../test/kit/event-ids.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });

beforeAll(async () => {
  h = await Harness.create("admin");
});
afterAll(() => h.close());

const layout = (id: string) => ({
  id,
  name: "Admin night",
  venue: "Hall",
  startsAt: "2030-05-01T19:00:00.000Z",
  perOrderLimit: 2,
  holdSeconds: 120,
  sections: [
    { name: "A", rows: 3, seatsPerRow: 4, tier: "front", priceCents: 9000 },
    { name: "B", rows: 2, seatsPerRow: 5, tier: "back", priceCents: 3000 },
  ],
});

describe("admin API", () => {
  test("refuses requests without the admin key", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-key-wrong-key" }] as Array<Record<string, string>>) {
      const r = await h.call("POST", "/admin/events", { headers, body: layout(uniqueEventId("x")) });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("ADMIN_KEY_INVALID");
    }
    const [fan] = await h.sessions(1);
    expect((await h.call("GET", `/admin/events/${h.eventId}/stats`, { token: fan!.token })).status).toBe(401);
  });

  test("creates an event with its layout; fans see it and its settings reach Redis", async () => {
    const id = uniqueEventId("adm");
    h.createdEvents.push(id);
    const created = await h.call("POST", "/admin/events", { headers: admin(), body: layout(id) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id, seatCount: 22, perOrderLimit: 2, holdSeconds: 120, status: "on_sale" });
    expect(created.body.tiers).toEqual([
      { tier: "front", priceCents: 9000, seats: 12 },
      { tier: "back", priceCents: 3000, seats: 10 },
    ]);
    const statuses = await h.seatStatuses(id);
    expect(Object.keys(statuses)).toHaveLength(22);
    expect(statuses["A-3-4"]).toBe("available");
    expect(statuses["B-2-5"]).toBe("available");
    expect(await h.redis.hgetall(`cu:{${id}}:config`)).toEqual({
      perOrderLimit: "2",
      holdSeconds: "120",
      // the tiers and their lowest prices, for the edge to check a fan's declared choice
      tiers: JSON.stringify([{ tier: "front", lowestPriceCents: 9000 }, { tier: "back", lowestPriceCents: 3000 }]),
    });

    const again = await h.call("POST", "/admin/events", { headers: admin(), body: layout(id) });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("EVENT_EXISTS");
  });

  test("rejects bad layouts with 400 and writes nothing", async () => {
    const id = uniqueEventId("bad");
    const bodies = [
      { ...layout(id), sections: [] },
      { ...layout(id), sections: [layout(id).sections[0], layout(id).sections[0]] },
      { ...layout(id), perOrderLimit: 0 },
      { ...layout(id), id: "no spaces allowed" },
      { ...layout(id), startsAt: "tomorrow" },
    ];
    for (const body of bodies) {
      const r = await h.call("POST", "/admin/events", { headers: admin(), body });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(errorShape);
    }
    const [fan] = await h.sessions(1, 600, id);
    expect((await h.call("GET", `/api/events/${id}`, { token: fan!.token })).status).toBe(404);
  });

  test("stats count available, held and sold seats and orders", async () => {
    const [a, b] = await h.sessions(2);
    const held = await h.hold(a!.token, ["A-1-1", "A-1-2"]);
    const bought = await h.hold(b!.token, ["A-2-1"]);
    expect((await h.purchase(b!.token, bought.body.holdId)).status).toBe(201);
    const stats = await h.call("GET", `/admin/events/${h.eventId}/stats`, { headers: admin() });
    expect(stats.status).toBe(200);
    expect(stats.body.seats).toEqual({ total: 20, available: 17, held: 2, sold: 1 });
    expect(stats.body.orders).toEqual({ paid: 1, refunded: 0, revenueCents: 5000 });
    expect(stats.body.activeSessions).toBeGreaterThanOrEqual(1);
    expect(held.status).toBe(201);
    expect((await h.call("GET", `/admin/events/nope-${Date.now()}/stats`, { headers: admin() })).status).toBe(404);
  });

  test("a refunded order's seats can be sold again (reservation moves to history)", async () => {
    const [first, second] = await h.sessions(2);
    const held = await h.hold(first!.token, ["A-2-5"]);
    const order = await h.purchase(first!.token, held.body.holdId);
    expect(order.status).toBe(201);
    expect((await h.seatStatuses())["A-2-5"]).toBe("sold");

    const cancelled = await h.call("POST", `/admin/orders/${order.body.orderId}/cancel`, { headers: admin() });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("refunded");
    expect(h.payments.ledger.get(order.body.orderId)?.status).toBe("refunded");
    expect((await h.call("POST", `/admin/orders/${order.body.orderId}/cancel`, { headers: admin() })).status).toBe(409);
    expect((await h.seatStatuses())["A-2-5"]).toBe("available");

    const resale = await h.hold(second!.token, ["A-2-5"]);
    expect(resale.status).toBe(201);
    const resold = await h.purchase(second!.token, resale.body.holdId);
    expect(resold.status).toBe(201);
    const rows = await h.reservationsOf("A-2-5");
    expect(rows).toEqual([{ orderId: resold.body.orderId }]);
    const [history] = (await h.database.pool.query("SELECT order_id AS orderId, reason FROM reservation_history WHERE event_id = ? AND seat_id = ?", [h.eventId, "A-2-5"])) as unknown as [
      Array<{ orderId: string; reason: string }>,
    ];
    expect(history).toEqual([{ orderId: order.body.orderId, reason: "refunded" }]);
    // The first buyer still sees the order, now refunded.
    const read = await h.call("GET", `/api/orders/${order.body.orderId}`, { token: first!.token });
    expect(read.body).toMatchObject({ status: "refunded", seats: [{ seatId: "A-2-5", priceCents: 5000 }] });
  });
});
