import { afterAll, describe, expect, test } from "bun:test";
import { eventKeys } from "../../../common/keys.ts";
import { AdmitCode, LeaseCode } from "../../../lua/codes.ts";
import { systemClock } from "../../src/lib/clock.ts";
import type { Scheduler } from "../../src/admission/scheduler.ts";
import { acquireLease, admitFans } from "../../src/admission/scripts.ts";
import { dropEvent, joinFans, newRedis, newScheduler, testSchedulerConfig } from "./support.ts";
import { openWaitingRoom } from "../../../test/kit/waiting-room.ts";
import { uniqueEventId } from "../../../test/kit/event-ids.ts";

const redis = newRedis();
const events: string[] = [];
const running: Scheduler[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  for (const e of events) await dropEvent(redis, e);
  redis.disconnect();
});

describe("one leader per event", () => {
  test("two schedulers running at once: one admits, no fan twice, never over budget; killing the leader hands over once its lease runs out", async () => {
    const eventId = uniqueEventId("leader");
    events.push(eventId);
    const rate = 100;
    await openWaitingRoom(redis, eventId, { rate, maxActive: 100_000 });
    const fans = await joinFans(redis, eventId, 4000, Date.now());
    const config = testSchedulerConfig({ tickMs: 50, leaseMs: 1000, presenceGraceMs: 3_600_000 });
    const admittedBy = new Map<string, number>();
    const leadership: Array<{ who: string; leader: boolean; at: number }> = [];
    const make = (name: string) => {
      const redisOf = newRedis();
      const s = newScheduler(redisOf, systemClock, [eventId], config, {
        instanceId: name,
        observer: {
          tick: (_e, r) => admittedBy.set(name, (admittedBy.get(name) ?? 0) + r.admitted),
          leadership: (_e, leader) => leadership.push({ who: name, leader, at: Date.now() }),
        },
      });
      running.push(s);
      return s;
    };
    const a = make("alpha");
    const b = make("beta");
    const started = Date.now();
    a.start();
    b.start();
    await Bun.sleep(2000);

    const k = eventKeys(eventId);
    const leaders = [a, b].filter((s) => s.isLeader(eventId));
    expect(leaders.length).toBe(1);
    const leader = leaders[0]!;
    const follower = leader === a ? b : a;
    expect(admittedBy.get(follower.instanceId) ?? 0).toBe(0);

    // crash the leader: it stops without giving up its lease
    await leader.stop({ release: false });
    const leaseEnds = Date.now() + (await redis.pttl(k.schedulerLease));
    // the follower takes over once the lease has run out, never before (two leaders at once);
    // waited for as an event: how soon the next tick runs is up to the machine's load
    let takeover: { who: string; leader: boolean; at: number } | undefined;
    while (!(takeover = leadership.find((l) => l.who === follower.instanceId && l.leader)) && Date.now() < leaseEnds + 20_000) await Bun.sleep(50);
    expect(takeover).toBeDefined();
    expect(takeover!.at).toBeGreaterThanOrEqual(leaseEnds - 50);
    // the new leader admits on one of its next ticks
    for (const until = Date.now() + 20_000; (admittedBy.get(follower.instanceId) ?? 0) === 0 && Date.now() < until; ) await Bun.sleep(50);
    await follower.stop();
    const elapsed = (Date.now() - started) / 1000;

    const admitted = await redis.zrange(k.admitted, 0, -1);
    const waiting = await redis.zrange(k.queue, 0, -1);
    const total = (admittedBy.get("alpha") ?? 0) + (admittedBy.get("beta") ?? 0);
    // each admission reported by a leader is one distinct fan, and no fan is both admitted and waiting
    expect(new Set(admitted).size).toBe(total);
    expect(admitted.filter((id) => waiting.includes(id))).toEqual([]);
    expect(admitted.length + waiting.length).toBe(fans.length);
    // the budget held across both leaders (plus at most one saved-up half second per leadership)
    expect(total).toBeLessThanOrEqual(rate * elapsed + 2 * rate * config.burstSeconds);
    expect(admittedBy.get(follower.instanceId) ?? 0).toBeGreaterThan(0);
  }, 60_000);

  test("a leader whose lease passed to another instance cannot admit (fencing)", async () => {
    const eventId = uniqueEventId("fence");
    events.push(eventId);
    await openWaitingRoom(redis, eventId, { rate: 100 });
    await joinFans(redis, eventId, 50, Date.now());
    const k = eventKeys(eventId);
    const old = await acquireLease(redis, k, "old", 60_000);
    expect(old.code).toBe(LeaseCode.LEADER);
    // the old leader stalls; its lease runs out and another instance takes over
    await redis.pexpire(k.schedulerLease, 1);
    await Bun.sleep(5);
    const next = await acquireLease(redis, k, "new", 60_000);
    expect(next.code).toBe(LeaseCode.LEADER);
    expect(next.token).not.toBe(old.token);
    expect((await acquireLease(redis, k, "old", 60_000)).code).toBe(LeaseCode.FOLLOWER);

    // hundreds of racing admit calls with both tokens: only the current leader's land
    const args = { now: Date.now(), budget: 1, maxActive: 1000, claimMs: 60_000, presenceGraceMs: 3_600_000, sessionMs: 0, maxDrops: 100 };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => admitFans(redis, k, { ...args, token: i % 2 === 0 ? old.token : next.token })),
    );
    const stale = results.filter((_, i) => i % 2 === 0);
    expect(stale.every((r) => r.code === AdmitCode.NOT_LEADER && r.admitted === 0)).toBe(true);
    const fresh = results.filter((_, i) => i % 2 === 1);
    expect(fresh.reduce((n, r) => n + r.admitted, 0)).toBe(50);
    expect(await redis.zcard(k.admitted)).toBe(50);
  });

  test("a clean stop gives the lease up at once", async () => {
    const eventId = uniqueEventId("release");
    events.push(eventId);
    await openWaitingRoom(redis, eventId, { rate: 10 });
    const config = testSchedulerConfig({ leaseMs: 60_000 });
    const a = newScheduler(redis, systemClock, [eventId], config, { instanceId: "first" });
    await a.tickEvent(eventId);
    expect(a.isLeader(eventId)).toBe(true);
    const b = newScheduler(redis, systemClock, [eventId], config, { instanceId: "second" });
    await b.tickEvent(eventId);
    expect(b.isLeader(eventId)).toBe(false);
    await a.stop();
    await b.tickEvent(eventId);
    expect(b.isLeader(eventId)).toBe(true);
  });
});

describe("event list", () => {
  test("a waiting room that was deleted is no longer scheduled", async () => {
    const eventId = uniqueEventId("gone");
    await redis.sadd("cu:queues", eventId);
    const s = newScheduler(redis, systemClock, [eventId], testSchedulerConfig());
    expect(await s.tickEvent(eventId)).toBeNull();
    expect(await redis.sismember("cu:queues", eventId)).toBe(0);
    await dropEvent(redis, eventId);
  });
});
