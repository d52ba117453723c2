/**
 * Accessible timing for holds (WCAG 2.2.1): a fan asks once for more time on a live hold,
 * from the event's budget of extra time, which the organiser sets with the waiting room's
 * settings. Against real Redis and MySQL: one extension per hold, a crowd asking at once
 * gets exactly what the budget holds, an extended hold sells once and keeps its seats to
 * the new expiry (and frees them after it), and every refusal is a clear 4xx.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { waitUntil } from "../../test/kit/wait.ts";
import { errorShape, Harness } from "./support/harness.ts";

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.config.adminKey}` });
const queuePath = (eventId = h.eventId) => `/admin/events/${eventId}/queue`;
const extend = (token: string, holdId: string, eventId = h.eventId) => h.call("POST", `/api/events/${eventId}/holds/${holdId}/extend`, { token });
const seatKeyTtl = (seatId: string, eventId = h.eventId) => h.redis.pttl(eventKeys(eventId).seat(seatId));

beforeAll(async () => {
  h = await Harness.create("hext", { event: { perOrderLimit: 4, holdSeconds: 30, sections: [{ name: "A", rows: 30, seatsPerRow: 10, tier: "standard", priceCents: 5000 }] } });
  // a waiting room with 10 minutes of extra time: five extensions of 120 s
  expect((await h.call("POST", queuePath(), { headers: admin(), body: { extensionSeconds: 120, extensionBudgetMinutes: 10 } })).status).toBe(201);
});
afterAll(async () => {
  await h.redis.srem("cu:queues", h.eventId, ...h.createdEvents);
  await h.close();
});

describe("extending a hold", () => {
  test("the organiser's settings: read back with the budget left, bad values refused with 400", async () => {
    const view = await h.call("GET", queuePath(), { headers: admin() });
    expect(view.body.settings).toMatchObject({ extensionSeconds: 120, extensionBudgetMinutes: 10 });
    expect(view.body.extensions).toEqual({ granted: 0, usedSeconds: 0, leftSeconds: 600 });
    for (const body of [{ extensionSeconds: -1 }, { extensionSeconds: 3601 }, { extensionSeconds: 1.5 }, { extensionBudgetMinutes: "lots" }, { extensionBudgetMinutes: -5 }]) {
      expect(await h.call("PATCH", queuePath(), { headers: admin(), body })).toMatchObject({ status: 400, body: errorShape });
    }
    expect((await h.call("GET", queuePath(), { headers: admin() })).body.settings).toMatchObject({ extensionSeconds: 120, extensionBudgetMinutes: 10 });
  });

  test("a fan gets one extension per hold: the hold and its seats run 120 s longer, a second ask is 409 ALREADY_EXTENDED", async () => {
    const [fan] = await h.sessions(1);
    const held = await h.hold(fan!.token, ["A-1-1", "A-1-2"]);
    expect(held.status).toBe(201);
    expect(held.body.extendBySeconds).toBe(120);
    const before = Date.parse(held.body.expiresAt);

    const extended = await extend(fan!.token, held.body.holdId);
    expect(extended.status).toBe(200);
    expect(extended.body).toEqual({ holdId: held.body.holdId, expiresAt: new Date(before + 120_000).toISOString(), extendBySeconds: 0 });
    for (const seat of ["A-1-1", "A-1-2"]) expect(await seatKeyTtl(seat)).toBeGreaterThan(120_000);
    // a reloaded page finds the new expiry, and no button to press again
    const listed = await h.call("GET", `/api/events/${h.eventId}/holds`, { token: fan!.token });
    expect(listed.body.holds).toEqual([expect.objectContaining({ holdId: held.body.holdId, expiresAt: extended.body.expiresAt, extendBySeconds: 0 })]);

    expect(await extend(fan!.token, held.body.holdId)).toMatchObject({ status: 409, body: { code: "ALREADY_EXTENDED", message: expect.any(String) } });
    const view = await h.call("GET", queuePath(), { headers: admin() });
    expect(view.body.extensions).toMatchObject({ granted: 1, usedSeconds: 120 });
  });

  test("bad asks are 4xx JSON: another fan's hold 403, an unknown or released hold 410, a malformed id 400", async () => {
    const [owner, other] = await h.sessions(2);
    const held = await h.hold(owner!.token, ["A-2-1"]);
    expect(await extend(other!.token, held.body.holdId)).toMatchObject({ status: 403, body: { code: "NOT_HOLD_OWNER" } });
    expect(await extend(owner!.token, "hold_doesnotexist")).toMatchObject({ status: 410, body: { code: "HOLD_EXPIRED" } });
    expect(await extend(owner!.token, "bad;id")).toMatchObject({ status: 400, body: errorShape });
    expect((await h.call("POST", `/api/events/${h.eventId}/holds/${held.body.holdId}/extend`, {})).status).toBe(401);
    expect((await h.release(owner!.token, held.body.holdId)).status).toBe(200);
    expect(await extend(owner!.token, held.body.holdId)).toMatchObject({ status: 410, body: { code: "HOLD_EXPIRED" } });
  });

  test("200 fans asking at once against a budget of 4 extensions: exactly 4 get one, the rest 409 EXTENSION_BUDGET_USED", async () => {
    const eventId = `${h.eventId}-race`;
    await h.createEvent({ id: eventId, perOrderLimit: 4, holdSeconds: 60, sections: [{ name: "B", rows: 21, seatsPerRow: 10, tier: "standard", priceCents: 5000 }] });
    expect((await h.call("POST", queuePath(eventId), { headers: admin(), body: { extensionSeconds: 60, extensionBudgetMinutes: 4 } })).status).toBe(201);
    const fans = await h.sessions(200, 600, eventId);
    const holds = await Promise.all(fans.map((f, i) => h.hold(f.token, [`B-${Math.floor(i / 10) + 1}-${(i % 10) + 1}`], eventId)));
    expect(holds.every((r) => r.status === 201)).toBe(true);

    const replies = await Promise.all(fans.map((f, i) => extend(f.token, holds[i]!.body.holdId, eventId)));
    const granted = replies.filter((r) => r.status === 200);
    expect(granted).toHaveLength(4);
    for (const r of replies.filter((r) => r.status !== 200)) expect(r).toMatchObject({ status: 409, body: { code: "EXTENSION_BUDGET_USED", message: expect.stringContaining("used up") } });
    const view = await h.call("GET", queuePath(eventId), { headers: admin() });
    expect(view.body.extensions).toEqual({ granted: 4, usedSeconds: 240, leftSeconds: 0 });
    // a hold made now is told there is no more time to ask for
    const [late] = await h.sessions(1, 600, eventId);
    expect((await h.hold(late!.token, ["B-21-1"], eventId)).body.extendBySeconds).toBe(0);
  });

  test("an extended hold keeps its seats from other fans past its first expiry, sells exactly once, and frees them after the extra time", async () => {
    const eventId = `${h.eventId}-short`;
    await h.createEvent({ id: eventId, perOrderLimit: 4, holdSeconds: 2, sections: [{ name: "C", rows: 1, seatsPerRow: 4, tier: "standard", priceCents: 5000 }] });
    expect((await h.call("POST", queuePath(eventId), { headers: admin(), body: { extensionSeconds: 3, extensionBudgetMinutes: 10 } })).status).toBe(201);
    const [fan, rival, buyer] = await h.sessions(3, 600, eventId);

    // extended, then bought once even with two payments racing
    const sold = await h.hold(fan!.token, ["C-1-1"], eventId);
    expect((await extend(fan!.token, sold.body.holdId, eventId)).status).toBe(200);
    await waitUntil("the first expiry to pass", async () => Date.now() > Date.parse(sold.body.expiresAt) + 200, 10_000, 100);
    expect(await h.hold(rival!.token, ["C-1-1"], eventId)).toMatchObject({ status: 409, body: { code: "SEAT_HELD" } });
    const key = crypto.randomUUID();
    const payments = await Promise.all([h.purchase(fan!.token, sold.body.holdId, key, eventId), h.purchase(fan!.token, sold.body.holdId, key, eventId)]);
    expect(payments.map((p) => p.status).sort()).toContainEqual(201);
    expect(await h.reservationsOf("C-1-1", eventId)).toHaveLength(1);
    expect(await h.hold(rival!.token, ["C-1-1"], eventId)).toMatchObject({ status: 409, body: { code: "SEAT_SOLD" } });

    // extended and left: the seat is free once the extra time is over, and not before
    const left = await h.hold(buyer!.token, ["C-1-2"], eventId);
    const extended = await extend(buyer!.token, left.body.holdId, eventId);
    const until = Date.parse(extended.body.expiresAt);
    await waitUntil("the first expiry to pass", async () => Date.now() > Date.parse(left.body.expiresAt) + 200, 10_000, 100);
    expect(await h.hold(rival!.token, ["C-1-2"], eventId)).toMatchObject({ status: 409, body: { code: "SEAT_HELD" } });
    await waitUntil("the extended hold to run out", async () => (await h.seatStatuses(eventId))["C-1-2"] === "available", 10_000, 100);
    expect(Date.now()).toBeGreaterThanOrEqual(until - 50);
    expect((await h.hold(rival!.token, ["C-1-2"], eventId)).status).toBe(201);
    expect(await extend(buyer!.token, left.body.holdId, eventId)).toMatchObject({ status: 410, body: { code: "HOLD_EXPIRED" } });
  });

  test("no extension while a hold is being bought, none past the session, and none when the event gives none", async () => {
    const [fan] = await h.sessions(1);
    const held = await h.hold(fan!.token, ["A-3-1"]);
    await h.redis.hset(eventKeys(h.eventId).hold(held.body.holdId), "purchase", "order_x");
    expect(await extend(fan!.token, held.body.holdId)).toMatchObject({ status: 409, body: { code: "PURCHASE_IN_PROGRESS" } });
    await h.redis.hdel(eventKeys(h.eventId).hold(held.body.holdId), "purchase");

    // a session with 60 s left cannot keep a 30 s hold 120 s longer
    const [short] = await h.sessions(1, 60);
    const brief = await h.hold(short!.token, ["A-3-2"]);
    expect(brief.body.extendBySeconds).toBe(0);
    expect(await extend(short!.token, brief.body.holdId)).toMatchObject({ status: 409, body: { code: "SESSION_ENDS_FIRST" } });

    const eventId = `${h.eventId}-off`;
    await h.createEvent({ id: eventId, perOrderLimit: 4, holdSeconds: 30 });
    expect((await h.call("POST", queuePath(eventId), { headers: admin(), body: { extensionSeconds: 0 } })).status).toBe(201);
    const [plain] = await h.sessions(1, 600, eventId);
    const seat = (await h.call("GET", `/api/events/${eventId}/seats`, { token: plain!.token })).body.seats[0].id;
    const offHold = await h.hold(plain!.token, [seat], eventId);
    expect(offHold.body.extendBySeconds).toBe(0);
    expect(await extend(plain!.token, offHold.body.holdId, eventId)).toMatchObject({ status: 409, body: { code: "EXTENSIONS_OFF" } });
    // neither try took anything from the budget
    expect((await h.call("GET", queuePath(eventId), { headers: admin() })).body.extensions.granted).toBe(0);
  });
});
