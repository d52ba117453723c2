import { describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { LeaseCode, OpenSaleCode, StatusCode } from "../../../lua/codes.ts";
import { acquireLease, openSale, setQueueStatus } from "../../src/admission/scripts.ts";
import { admittedIds, joinFans, ManualClock, newScheduler, testSchedulerConfig, useTestEvents } from "./support.ts";
import { openWaitingRoom } from "../../../test/kit/waiting-room.ts";

const { redis, fresh } = useTestEvents();

describe("pre-queue lottery", () => {
  test("fans who came before the opening are admitted in a drawn order, all before later arrivals, who keep arrival order", async () => {
    const eventId = fresh("pre");
    const clock = new ManualClock();
    const opensAt = clock.now() + 10_000;
    await openWaitingRoom(redis, eventId, { status: "prequeue", opensAt, rate: 5 });
    const early = await joinFans(redis, eventId, 60, clock.now(), "early");
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
    // before the opening nobody is admitted
    for (let i = 0; i < 10; i++) {
      expect((await scheduler.tickEvent(eventId))!.admitted).toBe(0);
      clock.advance(500);
    }
    clock.t = opensAt;
    await scheduler.tickEvent(eventId);
    expect(await redis.hget(eventKeys(eventId).queueState, "status")).toBe("open");
    const late = await joinFans(redis, eventId, 20, clock.now(), "late");

    // one fan per tick (5/s at 5 ticks/s): the admission order is the line's order
    const order: string[] = [];
    for (let i = 0; i < 500 && order.length < 80; i++) {
      clock.advance(200);
      await scheduler.tickEvent(eventId);
      for (const tid of await admittedIds(redis, eventId)) {
        if (!order.includes(tid)) order.push(tid);
      }
      await redis.del(eventKeys(eventId).admitted); // claimed and gone, as far as this test cares
    }
    expect(order.length).toBe(80);
    const earlyOrder = order.slice(0, 60);
    expect(new Set(earlyOrder)).toEqual(new Set(early));
    expect(order.slice(60)).toEqual(late);
    // drawn, not arrival order: few early fans keep their arrival place
    const kept = earlyOrder.filter((tid, i) => early[i] === tid).length;
    expect(kept).toBeLessThan(10);
  });

  test("the draw is fair: over many openings each early fan comes first about equally often", async () => {
    const counts = new Map<string, number>();
    const runs = 400;
    const fans = 8;
    const eventId = fresh("fair");
    const k = eventKeys(eventId);
    const { token } = await acquireLease(redis, k, "fairness", 60_000);
    for (let run = 0; run < runs; run++) {
      await redis.del(k.queue, k.seq, k.seen);
      await openWaitingRoom(redis, eventId, { status: "prequeue", opensAt: 1 });
      await joinFans(redis, eventId, fans, Date.now(), "f");
      const ids = await redis.zrange(k.queue, 0, -1);
      const labels = new Map(ids.map((id, i) => [id, `#${i}`]));
      expect((await openSale(redis, k, token, Date.now())).code).toBe(OpenSaleCode.OPENED);
      const first = (await redis.zrange(k.queue, 0, 0))[0]!;
      counts.set(labels.get(first)!, (counts.get(labels.get(first)!) ?? 0) + 1);
    }
    // chi-square with 7 degrees of freedom: 24.3 is p = 0.001
    const expected = runs / fans;
    const chi = [...Array(fans).keys()].reduce((sum, i) => sum + ((counts.get(`#${i}`) ?? 0) - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(24.3);
  });

  test("the sale opens once, only by the leader, and not before its time", async () => {
    const eventId = fresh("once");
    const k = eventKeys(eventId);
    const now = Date.now();
    await openWaitingRoom(redis, eventId, { status: "prequeue", opensAt: now + 60_000 });
    await joinFans(redis, eventId, 5, now);
    const { token, code } = await acquireLease(redis, k, "opener", 60_000);
    expect(code).toBe(LeaseCode.LEADER);
    expect((await openSale(redis, k, "someone:1", now + 60_000)).code).toBe(OpenSaleCode.NOT_LEADER);
    expect((await openSale(redis, k, token, now)).code).toBe(OpenSaleCode.NOT_YET);
    expect(await openSale(redis, k, token, now + 60_000)).toEqual({ code: OpenSaleCode.OPENED, drawn: 5 });
    expect((await openSale(redis, k, token, now + 60_000)).code).toBe(OpenSaleCode.NOT_PREQUEUE);
  });
});

describe("pause, resume, close", () => {
  test("pausing stops admissions from the next tick; resuming goes on at the rate, without a burst", async () => {
    const eventId = fresh("pause");
    const clock = new ManualClock();
    const k = eventKeys(eventId);
    await openWaitingRoom(redis, eventId, { rate: 50 });
    await joinFans(redis, eventId, 1000, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
    await scheduler.tickEvent(eventId);
    clock.advance(200);
    expect((await scheduler.tickEvent(eventId))!.admitted).toBe(10);

    expect((await setQueueStatus(redis, k, "paused", clock.now(), ["open"])).code).toBe(StatusCode.CHANGED);
    for (let i = 0; i < 50; i++) {
      clock.advance(200);
      expect((await scheduler.tickEvent(eventId))!.admitted).toBe(0);
    }
    expect((await setQueueStatus(redis, k, "open", clock.now(), ["paused"])).code).toBe(StatusCode.CHANGED);
    const after: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(200);
      after.push((await scheduler.tickEvent(eventId))!.admitted);
    }
    // ten seconds of pause saved nothing up
    expect(Math.max(...after)).toBeLessThanOrEqual(10);
    expect(after.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(35);
  });

  test("a sold-out queue admits nobody and cannot be resumed; status changes are checked", async () => {
    const eventId = fresh("close");
    const clock = new ManualClock();
    const k = eventKeys(eventId);
    await openWaitingRoom(redis, eventId, { rate: 50 });
    await joinFans(redis, eventId, 100, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
    expect(await setQueueStatus(redis, k, "soldout", clock.now(), ["open", "paused", "prequeue"])).toEqual({ code: StatusCode.CHANGED, status: "open" });
    for (let i = 0; i < 10; i++) {
      clock.advance(200);
      expect((await scheduler.tickEvent(eventId))!.admitted).toBe(0);
    }
    expect(await setQueueStatus(redis, k, "open", clock.now(), ["paused"])).toEqual({ code: StatusCode.NOT_ALLOWED, status: "soldout" });
    expect((await setQueueStatus(redis, eventKeys(fresh("none")), "paused", clock.now(), ["open"])).code).toBe(StatusCode.NO_QUEUE);
  });
});
