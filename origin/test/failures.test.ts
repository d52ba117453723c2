/**
 * Failures injected at exact moments of a purchase, against real servers: a TCP proxy in
 * front of MySQL or Redis cuts the connection when a given command passes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../common/keys.ts";
import { syncAllEvents } from "../src/modules/events/sync.ts";
import { FaultProxy, mysqlQuery } from "./support/fault-proxy.ts";
import { Harness, testConfig } from "./support/harness.ts";

const real = testConfig();
let mysqlProxy: FaultProxy;
let redisProxy: FaultProxy;
let h: Harness;

beforeAll(async () => {
  const db = new URL(real.databaseUrl);
  const redis = new URL(real.redisUrl);
  mysqlProxy = await FaultProxy.start(db.hostname, Number(db.port || 3306));
  redisProxy = await FaultProxy.start(redis.hostname, Number(redis.port || 6379));
  h = await Harness.create("faults", {
    databaseUrl: mysqlProxy.url(real.databaseUrl),
    redisUrl: redisProxy.url(real.redisUrl),
    event: { sections: [{ name: "A", rows: 2, seatsPerRow: 10, tier: "standard", priceCents: 4000 }] },
  });
});
afterAll(async () => {
  mysqlProxy.setDown(false);
  redisProxy.setDown(false);
  await h.close();
  await mysqlProxy.close();
  await redisProxy.close();
});

async function heldBy(seatIds: string[]) {
  const [fan] = await h.sessions(1);
  const held = await h.hold(fan!.token, seatIds);
  expect(held.status).toBe(201);
  return { fan: fan!, holdId: held.body.holdId as string };
}

describe("purchase under failure", () => {
  test("database connection dropped during the insert: hold released at once, money back, no reservation", async () => {
    const { fan, holdId } = await heldBy(["A-1-1", "A-1-2"]);
    mysqlProxy.cutOn({ match: mysqlQuery(/insert into `?reservations`?/i), when: "before" });
    const cutsBefore = mysqlProxy.cuts;
    const r = await h.purchase(fan.token, holdId);
    expect(mysqlProxy.cuts).toBe(cutsBefore + 1);
    expect(r.status).toBe(503);
    expect(r.body.code).toBe("ORDER_NOT_SAVED");

    expect(await h.reservationsOf("A-1-1")).toHaveLength(0);
    expect((await h.ordersOfEvent()).filter((o) => o.sessionId === fan.sid)).toHaveLength(0);
    expect(await h.strayCharges()).toEqual([]);
    const statuses = await h.seatStatuses();
    expect([statuses["A-1-1"], statuses["A-1-2"]]).toEqual(["available", "available"]);

    // The next buyer gets the seat.
    const next = await heldBy(["A-1-1"]);
    expect((await h.purchase(next.fan.token, next.holdId)).status).toBe(201);
    expect(await h.reservationsOf("A-1-1")).toHaveLength(1);
  });

  test("connection lost as COMMIT is sent but the commit happened: the database is checked and the sale stands", async () => {
    const { fan, holdId } = await heldBy(["A-1-3"]);
    mysqlProxy.cutOn({ match: mysqlQuery(/;\s*commit\s*$/i), when: "after" });
    const cutsBefore = mysqlProxy.cuts;
    const r = await h.purchase(fan.token, holdId);
    expect(mysqlProxy.cuts).toBe(cutsBefore + 1);
    expect(r.status).toBe(201);
    expect((await h.reservationsOf("A-1-3"))[0]?.orderId).toBe(r.body.orderId);
    expect((await h.seatStatuses())["A-1-3"]).toBe("sold");
    expect(h.payments.ledger.get(r.body.orderId)?.status).toBe("captured");
  });

  test("connection lost before COMMIT reaches the database: the database is checked, then the hold released", async () => {
    const { fan, holdId } = await heldBy(["A-1-4"]);
    mysqlProxy.cutOn({ match: mysqlQuery(/;\s*commit\s*$/i), when: "before" });
    const cutsBefore = mysqlProxy.cuts;
    const r = await h.purchase(fan.token, holdId);
    expect(mysqlProxy.cuts).toBe(cutsBefore + 1);
    expect(r.status).toBe(503);
    expect(await h.reservationsOf("A-1-4")).toHaveLength(0);
    expect((await h.seatStatuses())["A-1-4"]).toBe("available");
    expect(await h.strayCharges()).toEqual([]);
  });

  test("Redis down when compensation runs: the release is retried and the seat frees long before the hold would expire", async () => {
    const { fan, holdId } = await heldBy(["A-1-5"]);
    mysqlProxy.cutOn({ match: mysqlQuery(/insert into `?reservations`?/i), when: "before", onCut: () => redisProxy.setDown(true) });
    const r = await h.purchase(fan.token, holdId);
    expect(r.status).toBe(503);

    // Seen directly on the real Redis: the seat is still held, the release is waiting.
    const seatKey = eventKeys(h.eventId).seat("A-1-5");
    const direct = h.redis.duplicate({ host: new URL(real.redisUrl).hostname, port: Number(new URL(real.redisUrl).port || 6379) });
    try {
      await direct.connect();
      expect(await direct.get(seatKey)).toBe(holdId);
      expect(h.app.deps.retrier.pending()).toBeGreaterThan(0);

      // The hold was extended to the purchase window (60 s): gone before its own expiry means
      // the retry freed it. Compared with the key's remaining time, not a wall-clock bound.
      const ownExpiry = Date.now() + (await direct.pttl(seatKey));
      redisProxy.setDown(false);
      while ((await direct.get(seatKey)) !== null && Date.now() < ownExpiry) await Bun.sleep(100);
      const freedAt = Date.now();
      expect(await direct.get(seatKey)).toBeNull();
      expect(freedAt).toBeLessThan(ownExpiry - 1000);
    } finally {
      direct.disconnect();
    }
    expect(await h.reservationsOf("A-1-5")).toHaveLength(0);
    expect((await h.seatStatuses())["A-1-5"]).toBe("available");
    expect(await h.strayCharges()).toEqual([]);
  });

  test("duplicate-key race: two buyers both believe their hold is valid; the unique index wins, the loser is compensated", async () => {
    const a = await heldBy(["A-2-1", "A-2-2"]);
    // Pause A's payment, then lose A's hold on A-2-1 as if it had expired mid-purchase.
    let reached!: () => void;
    const atPayment = new Promise<void>((resolve) => (reached = resolve));
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    h.payments.beforeCharge = async (request) => {
      if (request.sessionId === a.fan.sid) {
        reached();
        await paused;
      }
    };
    try {
      const aPurchase = h.purchase(a.fan.token, a.holdId);
      await atPayment;
      await h.redis.del(eventKeys(h.eventId).seat("A-2-1"));

      const b = await heldBy(["A-2-1"]);
      const bBought = await h.purchase(b.fan.token, b.holdId);
      expect(bBought.status).toBe(201);

      resume();
      const aResult = await aPurchase;
      expect(aResult.status).toBe(409);
      expect(aResult.body.code).toBe("SEAT_SOLD");

      const rows = await h.reservationsOf("A-2-1");
      expect(rows).toHaveLength(1);
      expect(rows[0]!.orderId).toBe(bBought.body.orderId);
      expect(await h.reservationsOf("A-2-2")).toHaveLength(0);
      // A's money is back; A's other seat is free again; B's seat stays sold.
      expect(await h.strayCharges()).toEqual([]);
      const statuses = await h.seatStatuses();
      expect(statuses["A-2-1"]).toBe("sold");
      expect(statuses["A-2-2"]).toBe("available");
    } finally {
      h.payments.beforeCharge = undefined;
      resume();
    }
  });

  test("sold seats lost from Redis are restored from MySQL at start", async () => {
    const sold = eventKeys(h.eventId).sold;
    const before = (await h.redis.smembers(sold)).sort();
    expect(before.length).toBeGreaterThan(0);
    await h.redis.del(sold);
    expect((await h.seatStatuses())[before[0]!]).toBe("available");
    await syncAllEvents(h.redis, h.database.db);
    expect((await h.redis.smembers(sold)).sort()).toEqual(before);
    expect((await h.seatStatuses())[before[0]!]).toBe("sold");
  });
});
