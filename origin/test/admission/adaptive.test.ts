import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { createDatabase, type Database } from "../../src/db/client.ts";
import { insertEvent } from "../../src/modules/admin/service.ts";
import { insertOrder } from "../../src/modules/orders/repository.ts";
import type { AdaptiveDecision } from "../../src/admission/adaptive.ts";
import { dropScratchEvents } from "../../src/modules/admission/capacity-measurement.ts";
import { LatencyRecorder, readLatencyWindow } from "../../src/admission/latency.ts";
import { Harness } from "../support/harness.ts";
import { dropEvent, joinFans, ManualClock, newRedis, newScheduler, testSchedulerConfig } from "./support.ts";
import { openWaitingRoom } from "../../../test/kit/waiting-room.ts";
import { uniqueEventId } from "../../../test/kit/event-ids.ts";

const redis = newRedis();
let database: Database;
const eventId = uniqueEventId("adapt");
let nextSeat = 0;

beforeAll(async () => {
  database = createDatabase(process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/test", 12);
  await insertEvent(
    database.db,
    {
      id: eventId,
      name: "adaptive",
      venue: "test",
      startsAt: "2030-01-01T20:00:00.000Z",
      status: "closed",
      perOrderLimit: 4,
      holdSeconds: 30,
      sections: [{ name: "A", rows: 10, seatsPerRow: 200, tier: "t", priceCents: 100 }],
    },
    new Date(),
  );
});
afterAll(async () => {
  await dropScratchEvents(database.db, [eventId]);
  await dropEvent(redis, eventId);
  await database.close();
  redis.disconnect();
});

/** Real purchases: the order + reservation transaction under the unique index; returns each one's latency. */
async function purchases(count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const n = nextSeat++;
      const id = `ot_${crypto.randomUUID().replace(/-/g, "")}`;
      const t0 = performance.now();
      const r = await insertOrder(database.pool, {
        id,
        eventId,
        sessionId: id,
        customerId: id,
        idempotencyKey: id,
        holdId: id,
        amountCents: 100,
        currency: "EUR",
        paymentId: id,
        createdAt: new Date(),
        seats: [{ seatId: `A-${Math.floor(n / 200) + 1}-${(n % 200) + 1}`, priceCents: 100 }],
      });
      expect(r.kind).toBe("committed");
      return performance.now() - t0;
    }),
  );
}

/** Purchases while another transaction holds the event's seat rows (the inserts' foreign key checks wait for it). */
async function purchasesWithDbDelay(count: number, delayMs: number): Promise<number[]> {
  const blocker = await database.pool.getConnection();
  try {
    await blocker.query("START TRANSACTION");
    await blocker.query("SELECT seat_id FROM seats WHERE event_id = ? FOR UPDATE", [eventId]);
    const running = purchases(count);
    await Bun.sleep(delayMs);
    await blocker.query("COMMIT");
    return await running;
  } finally {
    blocker.release();
  }
}

describe("adaptive rate", () => {
  test("backs off when purchase latency passes the bound, recovers additively when healthy, never above the ceiling", async () => {
    const clock = new ManualClock();
    const ceiling = 100;
    await openWaitingRoom(redis, eventId, { rate: ceiling, adaptive: 1 });
    await joinFans(redis, eventId, 100, clock.now());
    const recorder = new LatencyRecorder(redis, 0);
    const decisions: AdaptiveDecision[] = [];
    // the bound sits well above a healthy purchase on a busy machine and well below one that
    // waits 800 ms on a row lock, so the test does not depend on how fast the machine is
    const config = testSchedulerConfig({ presenceGraceMs: 3_600_000 }, { latencyBoundMs: 250, windowMs: 3000, intervalMs: 1000, decreaseFactor: 0.5, cooldownMs: 0, increaseShare: 0.1, minSamples: 5 });
    const scheduler = newScheduler(redis, clock, [eventId], config, { observer: { adaptive: (_e, d) => decisions.push(d) } });
    const target = async () => Number(await redis.hget(eventKeys(eventId).queueState, "targetRate"));

    const step = async (latencies: number[]) => {
      for (const ms of latencies) recorder.record(eventId, ms, clock.now());
      await recorder.flush();
      clock.advance(1000);
      await scheduler.tickEvent(eventId);
      return decisions[decisions.length - 1]!;
    };

    await purchases(12); // open the pool's connections before anything is measured
    for (let i = 0; i < 3; i++) expect((await step(await purchases(12))).action).toBe("hold");
    expect(await target()).toBe(ceiling);

    const slow: AdaptiveDecision[] = [];
    for (let i = 0; i < 3; i++) slow.push(await step(await purchasesWithDbDelay(12, 800)));
    expect(slow.every((d) => d.action === "decrease" && d.p95Ms! > 250)).toBe(true);
    expect(await target()).toBe(ceiling * 0.5 ** 3);

    const healthy: AdaptiveDecision[] = [];
    for (let i = 0; i < 12; i++) healthy.push(await step(await purchases(12)));
    expect(healthy.slice(0, 8).every((d) => d.action === "increase")).toBe(true);
    // additive: +10 per second, from 12.5 back to the ceiling and no further
    expect(healthy[0]!.rate).toBeCloseTo(22.5, 5);
    expect(healthy.map((d) => d.rate).every((r) => r <= ceiling)).toBe(true);
    expect(await target()).toBe(ceiling);
  }, 30_000);

  test("switched off, the rate stays at the ceiling whatever the latency", async () => {
    const clock = new ManualClock();
    const id = uniqueEventId("fixed");
    await openWaitingRoom(redis, id, { rate: 40, adaptive: 0 });
    const recorder = new LatencyRecorder(redis, 0);
    const decisions: AdaptiveDecision[] = [];
    const scheduler = newScheduler(redis, clock, [id], testSchedulerConfig({}, { latencyBoundMs: 10 }), { observer: { adaptive: (_e, d) => decisions.push(d) } });
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 20; j++) recorder.record(id, 500, clock.now());
      await recorder.flush();
      clock.advance(1000);
      await scheduler.tickEvent(id);
    }
    expect(decisions).toEqual([]);
    expect(Number(await redis.hget(eventKeys(id).queueState, "targetRate"))).toBe(40);
    await dropEvent(redis, id);
  });
});

describe("what adaptive mode steers by", () => {
  test("the purchase endpoint's database transaction time, not the whole request: a slow payment step leaves the rate alone, a slow database cuts it", async () => {
    const h = await Harness.create("adapt-db", { event: { sections: [{ name: "A", rows: 4, seatsPerRow: 10, tier: "standard", priceCents: 5000 }] } });
    try {
      const id = h.eventId;
      const runtime = h.app.deps.admission;
      await openWaitingRoom(h.redis, id, { rate: 100, adaptive: 1 });
      const decisions: AdaptiveDecision[] = [];
      const windowMs = 3000;
      const config = testSchedulerConfig({ presenceGraceMs: 3_600_000 }, { latencyBoundMs: 250, windowMs, intervalMs: 1000, decreaseFactor: 0.5, cooldownMs: 0, minSamples: 5 });
      const clock = new ManualClock();
      const scheduler = newScheduler(h.redis, clock, [id], config, { observer: { adaptive: (_e, d) => decisions.push(d) } });
      const fans = await h.sessions(20);
      /** fans i..j hold one seat each, then buy it through the origin's HTTP API */
      const buy = async (from: number, to: number, whileHeld: (purchases: Promise<number[]>) => Promise<void> = async () => {}) => {
        const holds = await Promise.all(fans.slice(from, to).map(async (f, i) => ({ f, hold: await h.hold(f.token, [`A-${Math.floor((from + i) / 10) + 1}-${((from + i) % 10) + 1}`]) })));
        expect(holds.every(({ hold }) => hold.status === 201)).toBe(true);
        const purchases = Promise.all(holds.map(async ({ f, hold }) => (await h.purchase(f.token, hold.body.holdId)).status));
        await whileHeld(purchases);
        expect(await purchases).toEqual(holds.map(() => 201));
        await runtime.latency.flush();
        await runtime.dbLatency.flush();
      };

      // the payment step takes 300 ms: every purchase request is slow, its database transaction is not
      h.payments.latencyMs = 300;
      const t1 = Date.now();
      await buy(0, 10);
      h.payments.latencyMs = 0;
      expect((await readLatencyWindow(h.redis, id, t1, "purchaseLatency")).p95Ms!).toBeGreaterThan(300);
      expect((await readLatencyWindow(h.redis, id, t1, "purchaseDbLatency")).p95Ms!).toBeLessThan(250);
      clock.t = Date.now();
      await scheduler.tickEvent(id);
      expect(decisions.at(-1)).toMatchObject({ action: "hold", rate: 100 });

      // another transaction holds the event's seat rows for 400 ms: the orders' inserts wait for it
      const t2 = Date.now() + 1;
      while (Date.now() < t2); // the slow-database samples start after the slow-payment ones
      await buy(10, 20, async () => {
        const blocker = await h.database.pool.getConnection();
        try {
          await blocker.query("START TRANSACTION");
          await blocker.query("SELECT seat_id FROM seats WHERE event_id = ? FOR UPDATE", [id]);
          await Bun.sleep(400);
          await blocker.query("COMMIT");
        } finally {
          blocker.release();
        }
      });
      clock.t = t2 + windowMs; // the window holds the slow-database samples only
      await scheduler.tickEvent(id);
      expect(decisions.at(-1)!.action).toBe("decrease");
      expect(decisions.at(-1)!.p95Ms!).toBeGreaterThan(250);
      expect(Number(await h.redis.hget(eventKeys(id).queueState, "targetRate"))).toBe(50);
    } finally {
      await h.close();
    }
  }, 30_000);
});

describe("adaptive cooldown", () => {
  test("one slow spell is cut once per cooldown, not every second", async () => {
    const { AdaptiveRate } = await import("../../src/admission/adaptive.ts");
    const config = testSchedulerConfig().adaptive;
    const a = new AdaptiveRate({ ...config, latencyBoundMs: 100, cooldownMs: 3000, decreaseFactor: 0.5, minSamples: 1 });
    const slow = { p95Ms: 400, samples: 50 };
    const actions = [0, 1000, 2000, 3000, 4000].map((t) => a.decide(t, 100, slow).action);
    expect(actions).toEqual(["decrease", "hold", "hold", "decrease", "hold"]);
    expect(a.current(100)).toBe(25);
  });
});
