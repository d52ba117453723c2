import { describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { ClaimCode } from "../../../lua/codes.ts";
import { admittedIds, claim, joinFans, ManualClock, newScheduler, testSchedulerConfig, useTestEvents, touchFans } from "./support.ts";
import { openWaitingRoom } from "../../../test/kit/waiting-room.ts";

const { redis, fresh } = useTestEvents();

describe("admission rate", () => {
  test("with a waiting crowd, admissions over a window stay within 5% of the rate, a few fans per tick", async () => {
    const eventId = fresh("rate");
    const clock = new ManualClock();
    const rate = 50;
    await openWaitingRoom(redis, eventId, { rate, maxActive: 100_000 });
    await joinFans(redis, eventId, 3000, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));

    const perTick: number[] = [];
    await scheduler.tickEvent(eventId);
    const start = clock.now();
    for (let i = 0; i < 100; i++) {
      clock.advance(200);
      const r = await scheduler.tickEvent(eventId);
      perTick.push(r!.admitted);
    }
    const seconds = (clock.now() - start) / 1000;
    const admitted = perTick.reduce((a, b) => a + b, 0);
    expect(Math.abs(admitted - rate * seconds) / (rate * seconds)).toBeLessThanOrEqual(0.05);
    // never a burst: no tick admits more than the budget can save up (half a second)
    expect(Math.max(...perTick)).toBeLessThanOrEqual(rate * 0.5);
    expect(await redis.zcard(eventKeys(eventId).admitted)).toBe(admitted);
    // the measured rate the edge reads for wait estimates
    const published = Number(await redis.hget(eventKeys(eventId).queueState, "admitRate"));
    expect(Math.abs(published - rate) / rate).toBeLessThanOrEqual(0.05);
    // the serving pointer passed exactly the admitted fans (numbers 1..admitted)
    expect(Number(await redis.get(eventKeys(eventId).serving))).toBe(admitted);
  });

  test("a fractional rate admits one fan every few ticks, still on pace", async () => {
    const eventId = fresh("slow");
    const clock = new ManualClock();
    await openWaitingRoom(redis, eventId, { rate: 0.5 });
    await joinFans(redis, eventId, 50, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
    await scheduler.tickEvent(eventId);
    let admitted = 0;
    for (let i = 0; i < 200; i++) {
      clock.advance(200);
      admitted += (await scheduler.tickEvent(eventId))!.admitted;
    }
    expect(admitted).toBe(20); // 40 s at 0.5 fans/s
  });

  test("active sessions plus unclaimed admissions never exceed maxActive; ended sessions free their slots", async () => {
    const eventId = fresh("max");
    const clock = new ManualClock();
    const maxActive = 40;
    const sessionMs = 3000;
    await openWaitingRoom(redis, eventId, { rate: 100, maxActive, sessionSeconds: sessionMs / 1000 });
    await joinFans(redis, eventId, 1000, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
    const k = eventKeys(eventId);
    let claimed = 0;
    let completed = 0;
    for (let i = 0; i < 150; i++) {
      const r = (await scheduler.tickEvent(eventId))!;
      const [active, unclaimed] = await Promise.all([redis.zcount(k.active, `(${clock.now()}`, "+inf"), redis.zcard(k.admitted)]);
      expect(active + unclaimed).toBeLessThanOrEqual(maxActive);
      expect(r.active + r.unclaimed).toBeLessThanOrEqual(maxActive);
      // every admitted fan claims at once; every third one buys and is revoked right away
      for (const tid of await admittedIds(redis, eventId)) {
        expect(await claim(redis, eventId, tid, `s-${tid}`, clock.now(), sessionMs)).toBe(ClaimCode.CLAIMED);
        claimed++;
        if (claimed % 3 === 0) {
          await redis.zrem(k.active, `s-${tid}`);
          completed++;
        }
      }
      clock.advance(200);
    }
    // 30 s with 40 slots: sessions of 3 s (a third end at once) let far more than 40 in,
    // but no more than the slots allow
    expect(claimed).toBeGreaterThan(maxActive * 5);
    expect(claimed).toBeLessThanOrEqual(maxActive + Math.ceil((30_000 / sessionMs) * maxActive * 1.5) + completed);
  });
});

describe("fans who leave and admissions nobody claims", () => {
  test("fans not seen within the grace period are dropped at the head and use no admissions", async () => {
    const eventId = fresh("left");
    const clock = new ManualClock();
    await openWaitingRoom(redis, eventId, { rate: 20 });
    const graceMs = 10_000;
    const early = clock.now();
    const fans = await joinFans(redis, eventId, 200, early);
    const stay = fans.filter((_, i) => i % 2 === 1);
    const leave = fans.filter((_, i) => i % 2 === 0);
    clock.advance(graceMs + 1000);
    await touchFans(redis, eventId, stay, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: graceMs }));
    await scheduler.tickEvent(eventId);
    let admitted = 0;
    let abandoned = 0;
    for (let i = 0; i < 25; i++) {
      clock.advance(200);
      await touchFans(redis, eventId, stay, clock.now());
      const r = (await scheduler.tickEvent(eventId))!;
      admitted += r.admitted;
      abandoned += r.abandoned;
    }
    // 5 s at 20/s: 100 fans admitted, all of them present ones; every fan who left and came up was dropped
    expect(admitted).toBe(100);
    const ids = new Set(await admittedIds(redis, eventId));
    expect(leave.filter((id) => ids.has(id))).toEqual([]);
    expect(abandoned).toBe(100);
    expect(Number(await redis.hget(eventKeys(eventId).queueState, "abandonedTotal"))).toBe(100);
  });

  test("the event's own presence grace, set by the organiser, decides who left, not the default", async () => {
    const eventId = fresh("own-grace");
    const clock = new ManualClock();
    // the default grace is an hour; this event keeps a place for 60 s away
    await openWaitingRoom(redis, eventId, { rate: 100, presenceGraceSeconds: 60 });
    const fans = await joinFans(redis, eventId, 20, clock.now());
    const stay = fans.slice(10);
    clock.advance(61_000);
    await touchFans(redis, eventId, stay, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
    await scheduler.tickEvent(eventId);
    let abandoned = 0;
    for (let i = 0; i < 5; i++) {
      clock.advance(200);
      await touchFans(redis, eventId, stay, clock.now());
      abandoned += (await scheduler.tickEvent(eventId))!.abandoned;
    }
    // the ten who were away 61 s were dropped at the head; the ten present ones were admitted
    expect(abandoned).toBe(10);
    expect(new Set(await admittedIds(redis, eventId))).toEqual(new Set(stay));
  });

  test("an admission not claimed within the claim window is reclaimed and its slot goes to the next fan", async () => {
    const eventId = fresh("claim");
    const clock = new ManualClock();
    await openWaitingRoom(redis, eventId, { rate: 100, maxActive: 10, claimSeconds: 5 });
    const fans = await joinFans(redis, eventId, 30, clock.now());
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig({ presenceGraceMs: 3_600_000 }));
    await scheduler.tickEvent(eventId);
    for (let i = 0; i < 5; i++) {
      clock.advance(200);
      await scheduler.tickEvent(eventId);
    }
    const first = await admittedIds(redis, eventId);
    expect(first.sort()).toEqual(fans.slice(0, 10).sort());
    // the slots stay taken while the claim window is open
    clock.advance(3000);
    expect((await scheduler.tickEvent(eventId))!.admitted).toBe(0);
    // the window passes: all ten are reclaimed and the next ten are admitted
    clock.advance(2500);
    const r = (await scheduler.tickEvent(eventId))!;
    expect(r.claimExpired).toBe(10);
    clock.advance(200);
    await scheduler.tickEvent(eventId);
    expect((await admittedIds(redis, eventId)).sort()).toEqual(fans.slice(10, 20).sort());
    // a late claim is refused; a timely one works
    expect(await claim(redis, eventId, fans[0]!, "late", clock.now(), 60_000)).toBe(ClaimCode.NOT_ADMITTED);
    expect(await claim(redis, eventId, fans[10]!, "on-time", clock.now(), 60_000)).toBe(ClaimCode.CLAIMED);
    expect(Number(await redis.hget(eventKeys(eventId).queueState, "claimExpiredTotal"))).toBe(10);
  });

  test("shortening the session duration cuts longer sessions to it", async () => {
    const eventId = fresh("session");
    const clock = new ManualClock();
    await openWaitingRoom(redis, eventId, { rate: 10, sessionSeconds: 60 });
    const k = eventKeys(eventId);
    await redis.zadd(k.active, clock.now() + 600_000, "long", clock.now() + 10_000, "short");
    const scheduler = newScheduler(redis, clock, [eventId], testSchedulerConfig());
    await scheduler.tickEvent(eventId);
    expect(Number(await redis.zscore(k.active, "long"))).toBe(clock.now() + 60_000);
    expect(Number(await redis.zscore(k.active, "short"))).toBe(clock.now() + 10_000);
  });
});
